//! What a backend provides ([`Host`]), and the rules every native call follows with it:
//!
//! - No Rust lock is ever held while Python code runs (reading an index through
//!   Python, calling a callback, dropping a Python object): Python code may call back
//!   into this module, or let another thread take the GIL and wait for that lock.
//!   Locks are taken with the GIL held only through [`lock`], which waits without it.
//! - A native call made by Python code that runs *because* this module is reading an
//!   index (an index object whose `__getitem__` or `__len__` calls back into `_native`)
//!   raises `RuntimeError` instead of re-entering ([`ReadingIndex`]).
//! - Work run without the GIL polls Python's signal handling now and then
//!   ([`PythonInterrupt`]), so that Ctrl-C raises `KeyboardInterrupt` as it does in
//!   Python code.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use hg_core::interrupt::Interrupt;
use hg_core::GraphError;

use crate::args::ErrorArgs;
use crate::{Obj, PyErr};

/// A backend's Python: the GIL token (`Python<'py>`) and what native code needs of it.
/// Every method but [`Host::check_signals_detached`] is called with the GIL held.
pub trait Host: Copy {
    /// Whether `obj` is an instance of Mercurial's C index type (its actual type,
    /// whatever `__class__` says, which Python code can fake).
    fn is_c_index(self, obj: &Obj) -> bool;
    /// `len(obj)`.
    fn len_of(self, obj: &Obj) -> Result<usize, PyErr>;
    /// `obj[key]`.
    fn item_of(self, obj: &Obj, key: i64) -> Result<Obj, PyErr>;
    /// `obj` as an `int` within `i32`.
    fn int_of(self, obj: &Obj) -> Result<i32, PyErr>;
    /// `obj` as `bytes`, `None` if it is not.
    fn bytes_of(self, obj: &Obj) -> Option<Vec<u8>>;
    /// Clear the exception a C function of Mercurial's raised and we reported otherwise.
    fn clear_error(self);
    /// Another reference to `obj`.
    fn clone_ref(self, obj: &Obj) -> Obj;
    /// The object's address: its identity while a reference to it is held.
    fn address(obj: &Obj) -> usize;
    /// Whether `obj` is referenced from nowhere but here (its reference count is one).
    fn only_referent(self, obj: &Obj) -> bool;
    /// Run `f` with the GIL released.
    fn detach<T: Send>(self, f: impl FnOnce() -> T + Send) -> T;
    /// Python's pending signal handlers (Ctrl-C: `KeyboardInterrupt`).
    fn check_signals(self) -> Result<(), PyErr>;
    /// [`Host::check_signals`] from a thread that released the GIL: takes it back
    /// for the call.
    fn check_signals_detached() -> Result<(), PyErr>;
    /// `GraphError(kind, *values)`.
    fn graph_error(self, args: ErrorArgs) -> PyErr;
    /// A Python exception of a built-in type, with a message.
    fn error(self, kind: ErrorKind, message: &str) -> PyErr;
    /// Call `callback(message)`, ignoring what it returns.
    fn call_with_message(self, callback: &Obj, message: &str) -> Result<(), PyErr>;
    /// Import Mercurial's C parsers if they can be (which publishes the capsule) and
    /// note their index type.
    fn load_c_index_type(self);
}

/// The [`Host`] methods whose code reads the same in both backends (PyO3 and
/// rust-cpython name these operations alike), written once and expanded in each
/// backend's `impl Host`.
#[macro_export]
macro_rules! host_methods_alike {
    () => {
        fn int_of(self, obj: &$crate::Obj) -> Result<i32, $crate::PyErr> {
            obj.extract(self)
        }

        fn bytes_of(self, obj: &$crate::Obj) -> Option<Vec<u8>> {
            obj.extract(self).ok()
        }

        fn clear_error(self) {
            drop($crate::PyErr::fetch(self));
        }

        fn clone_ref(self, obj: &$crate::Obj) -> $crate::Obj {
            obj.clone_ref(self)
        }

        fn address(obj: &$crate::Obj) -> usize {
            obj.as_ptr() as usize
        }
    };
}

/// The built-in exception types native code raises besides `GraphError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A native object consulted after a strip of what it read; re-entry.
    Runtime,
    /// A number beyond what a revision (or length) can be.
    Overflow,
    /// An argument of the wrong type.
    Type,
    /// An argument of the right type and a wrong value.
    Value,
    /// `KeyboardInterrupt`, where Python's signal handling left no exception.
    KeyboardInterrupt,
}

/// The message of the `RuntimeError` raised when the index a native object read was
/// stripped since (or replaced).
pub const STRIPPED_MESSAGE: &str =
    "oxidag: the revlog was stripped (or its index replaced) since this object read it";

/// Lock `mutex` with the GIL held, without ever blocking while holding it: try the
/// lock, and while another thread holds it, pause with the GIL released (so that the
/// holder can always take the GIL back), then try again. The pause never takes the
/// lock itself: the process-wide locks are then only ever held by a thread holding the
/// GIL, so a fork (which Python makes holding it) never copies one held. A poisoned
/// lock is recovered: every state behind one stays consistent between statements.
pub fn lock<H: Host, T: Send>(h: H, mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    lock_waiting(mutex, |pause| h.detach(pause))
}

/// [`lock`]'s loop, with `pause` run detached between two tries.
pub fn lock_waiting<'a, T: Send>(
    mutex: &'a Mutex<T>,
    pause: impl Fn(&(dyn Fn() + Sync)),
) -> MutexGuard<'a, T> {
    loop {
        match mutex.try_lock() {
            Ok(guard) => return guard,
            Err(TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => {
                pause(&|| std::thread::sleep(Duration::from_micros(50)))
            }
        }
    }
}

/// Lock `mutex` from code running without the GIL (it may block: no thread waits for
/// it with the GIL held, see [`lock`]).
pub fn lock_detached<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

thread_local! {
    /// How deep this thread is in reading an index through Python.
    static READING: Cell<u32> = const { Cell::new(0) };
}

/// Held while this thread reads an index object (Python code may run meanwhile).
pub struct ReadingIndex(());

impl ReadingIndex {
    /// Mark the start of a read; refuse if this thread is already reading one: the
    /// index object called back into `_native` while being read.
    pub fn start<H: Host>(h: H) -> Result<ReadingIndex, PyErr> {
        READING.with(|depth| {
            if depth.get() > 0 {
                return Err(h.error(
                    ErrorKind::Runtime,
                    "oxidag: the index object called back into oxidag while being read",
                ));
            }
            depth.set(depth.get() + 1);
            Ok(ReadingIndex(()))
        })
    }
}

impl Drop for ReadingIndex {
    fn drop(&mut self) {
        READING.with(|depth| depth.set(depth.get() - 1));
    }
}

/// How often work without the GIL looks at Python's signals, at most.
const SIGNAL_POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The [`Interrupt`] of work run without the GIL: when polled (every few thousand
/// steps) and at least [`SIGNAL_POLL_INTERVAL`] after the last look, takes the GIL
/// back to run Python's signal handlers; the exception they raise (Ctrl-C:
/// `KeyboardInterrupt`) is kept for the caller to raise.
pub struct PythonInterrupt<H> {
    started: Instant,
    last_look: AtomicU64,
    raised: Mutex<Option<PyErr>>,
    host: std::marker::PhantomData<fn() -> H>,
}

impl<H: Host> PythonInterrupt<H> {
    /// Start counting from now.
    pub fn new() -> Self {
        PythonInterrupt {
            started: Instant::now(),
            last_look: AtomicU64::new(0),
            raised: Mutex::new(None),
            host: std::marker::PhantomData,
        }
    }

    /// The exception to raise for [`GraphError::Interrupted`].
    pub fn into_error(self, h: H) -> PyErr {
        let raised = self
            .raised
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        raised.unwrap_or_else(|| h.error(ErrorKind::KeyboardInterrupt, "interrupted"))
    }
}

impl<H: Host> Default for PythonInterrupt<H> {
    fn default() -> Self {
        Self::new()
    }
}

impl<H: Host> Interrupt for PythonInterrupt<H> {
    fn interrupted(&self) -> bool {
        let now = self.started.elapsed().as_nanos() as u64;
        let last = self.last_look.load(Ordering::Relaxed);
        if now.saturating_sub(last) < SIGNAL_POLL_INTERVAL.as_nanos() as u64 {
            return false;
        }
        self.last_look.store(now, Ordering::Relaxed);
        match H::check_signals_detached() {
            Ok(()) => false,
            Err(error) => {
                *lock_detached(&self.raised) = Some(error);
                true
            }
        }
    }
}

/// Run `f` without the GIL, with an interrupt polling Python's signals; its errors
/// become Python exceptions (`KeyboardInterrupt` for an interruption).
pub fn detached<H: Host, T: Send>(
    h: H,
    f: impl FnOnce(&dyn Interrupt) -> Result<T, GraphError> + Send,
) -> Result<T, PyErr> {
    let interrupt = PythonInterrupt::<H>::new();
    match h.detach(|| f(&interrupt)) {
        Ok(value) => Ok(value),
        Err(GraphError::Interrupted) => Err(interrupt.into_error(h)),
        Err(error) => Err(h.graph_error(error.into())),
    }
}

/// A graph error as the Python exception.
pub fn graph_error<H: Host>(h: H, error: GraphError) -> PyErr {
    h.graph_error(error.into())
}

#[cfg(test)]
mod tests {
    use super::lock_waiting;
    use std::sync::{Arc, Barrier, Mutex};

    #[test]
    fn waits_through_the_callback_and_recovers_poison() {
        let mutex = Arc::new(Mutex::new(0));
        let barrier = Arc::new(Barrier::new(2));
        let holder = {
            let (mutex, barrier) = (Arc::clone(&mutex), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let mut guard = mutex.lock().unwrap();
                barrier.wait();
                std::thread::sleep(std::time::Duration::from_millis(50));
                *guard = 1;
                panic!("poison the lock");
            })
        };
        barrier.wait();
        let waits = std::cell::Cell::new(0);
        let guard = lock_waiting(&mutex, |pause| {
            waits.set(waits.get() + 1);
            pause();
        });
        assert_eq!((*guard, waits.get() >= 1), (1, true));
        drop(guard);
        assert!(holder.join().is_err());
        assert_eq!(*lock_waiting(&mutex, |_| unreachable!()), 1);
    }
}
