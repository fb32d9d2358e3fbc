//! Stopping long computations early.
//!
//! Most operations here are a few sweeps of the graph: milliseconds at a million
//! revisions. The depth-limited walks are not bounded so: a revision is walked on once
//! per depth at which it is reached below the start depth, so `descendants(x,
//! startdepth=100000)` can run for minutes, as Mercurial's own walk does. Such loops
//! poll an [`Interrupt`] every few thousand steps and return
//! [`GraphError::Interrupted`] when it says stop: the bindings answer it from
//! Python's signal handling, so that Ctrl-C stops native work as it stops Python's.

use crate::revision::GraphError;

/// Whether a computation should stop now.
pub trait Interrupt {
    /// Polled every [`POLL_STEPS`] steps of work, never more often: it may read a clock
    /// or take a lock.
    fn interrupted(&self) -> bool;
}

/// Never stops a computation.
#[derive(Clone, Copy, Debug, Default)]
pub struct Uninterrupted;

impl Interrupt for Uninterrupted {
    #[inline]
    fn interrupted(&self) -> bool {
        false
    }
}

/// Steps of work (revisions visited, edges followed) between two polls.
pub const POLL_STEPS: usize = 1 << 14;

/// Counts steps of work and polls its [`Interrupt`] every [`POLL_STEPS`] of them.
pub(crate) struct Poller<'a> {
    interrupt: &'a dyn Interrupt,
    steps: usize,
}

impl<'a> Poller<'a> {
    pub(crate) fn new(interrupt: &'a dyn Interrupt) -> Self {
        Poller {
            interrupt,
            steps: 0,
        }
    }

    /// Count `steps` more; `Interrupted` if the interrupt says stop at a poll.
    #[inline]
    pub(crate) fn advance(&mut self, steps: usize) -> Result<(), GraphError> {
        self.steps += steps;
        if self.steps < POLL_STEPS {
            return Ok(());
        }
        self.steps = 0;
        if self.interrupt.interrupted() {
            Err(GraphError::Interrupted)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    struct After(Cell<usize>);
    impl Interrupt for After {
        fn interrupted(&self) -> bool {
            self.0.set(self.0.get().saturating_sub(1));
            self.0.get() == 0
        }
    }

    #[test]
    fn polls_every_poll_steps_and_stops_when_told() {
        let interrupt = After(Cell::new(2));
        let mut poller = Poller::new(&interrupt);
        for _ in 0..POLL_STEPS - 1 {
            poller.advance(1).unwrap();
        }
        assert_eq!(interrupt.0.get(), 2, "no poll before POLL_STEPS steps");
        poller.advance(1).unwrap();
        assert_eq!(interrupt.0.get(), 1);
        assert_eq!(poller.advance(POLL_STEPS), Err(GraphError::Interrupted));
        let never = Uninterrupted;
        let mut poller = Poller::new(&never);
        assert!((0..10).all(|_| poller.advance(POLL_STEPS).is_ok()));
    }
}
