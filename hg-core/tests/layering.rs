//! hg-core's modules form layers: each uses only the modules listed above it in
//! `lib.rs`'s module list (so there is no import cycle). Test code is exempt.

use std::fs;
use std::path::Path;

/// The modules in the order `lib.rs` documents them (`//! - [`name`]: ...`).
fn documented_order(src: &Path) -> Vec<String> {
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap();
    lib.lines()
        .filter_map(|line| line.strip_prefix("//! - [`"))
        .filter_map(|rest| rest.split_once('`').map(|(name, _)| name.to_owned()))
        .collect()
}

/// The text of a module without its `#[cfg(test)]` part and comments.
fn production_code(text: &str) -> String {
    let code = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => text,
    };
    code.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn modules_use_only_the_modules_above_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let order = documented_order(&src);
    let mut on_disk: Vec<String> = fs::read_dir(&src)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter_map(|name| name.strip_suffix(".rs").map(str::to_owned))
        .filter(|name| name != "lib" && name != "testing")
        .collect();
    on_disk.sort();
    let mut documented = order.clone();
    documented.sort();
    assert_eq!(documented, on_disk, "lib.rs lists every module once");
    let mut violations = Vec::new();
    for (position, module) in order.iter().enumerate() {
        let code = production_code(&fs::read_to_string(src.join(format!("{module}.rs"))).unwrap());
        for (other_position, other) in order.iter().enumerate() {
            let used = code.contains(&format!("crate::{other}::"))
                || code.contains(&format!("crate::{other};"));
            if used && other_position >= position && other != module {
                violations.push(format!("{module} uses {other}, listed below it"));
            }
        }
        assert!(
            !code.contains("crate::testing"),
            "{module} uses the test helpers outside tests"
        );
    }
    assert!(violations.is_empty(), "{violations:#?}");
}
