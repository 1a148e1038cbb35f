//! `time.monotonic()` seconds ↔ `Instant`s, for the sans-IO session.

use std::time::{Duration, Instant};

use pyo3::prelude::*;

use crate::errors::invalid_input;

/// Maps `time.monotonic()` seconds to `Instant`s and back, from a pair of
/// readings taken together at construction (both are CLOCK_MONOTONIC on
/// Linux; elsewhere they differ only by a constant).
pub(super) struct Clock {
    base: Instant,
    base_secs: f64,
}

impl Clock {
    pub(super) fn new(py: Python<'_>) -> PyResult<Clock> {
        let base_secs: f64 = py.import("time")?.call_method0("monotonic")?.extract()?;
        Ok(Clock {
            base: Instant::now(),
            base_secs,
        })
    }

    pub(super) fn instant(&self, py: Python<'_>, now: Option<f64>) -> PyResult<Instant> {
        let Some(now) = now else {
            return Ok(Instant::now());
        };
        if !now.is_finite() {
            return Err(invalid_input(py, "now must be a finite number of seconds"));
        }
        let delta = now - self.base_secs;
        let span = Duration::try_from_secs_f64(delta.abs())
            .map_err(|_| invalid_input(py, "now is out of range"))?;
        let at = if delta >= 0.0 {
            self.base.checked_add(span)
        } else {
            self.base.checked_sub(span)
        };
        // An instant before the process's clock origin: clamp.
        Ok(at.unwrap_or(self.base))
    }

    pub(super) fn seconds(&self, at: Instant) -> f64 {
        match at.checked_duration_since(self.base) {
            Some(d) => self.base_secs + d.as_secs_f64(),
            None => self.base_secs - self.base.duration_since(at).as_secs_f64(),
        }
    }
}
