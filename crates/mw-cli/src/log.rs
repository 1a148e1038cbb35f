//! `tracing` output on stderr, as `mw:` lines: one line per event, server
//! text escaped, no colour, never a secret (the libraries log none).
//!
//! - default: the waits before a retry (`mw: waiting …`) and any warning
//!   or error the libraries log but an API warning, which the commands
//!   print themselves from the results (so each is printed once);
//! - `-v`: also one line per request (`mw: request: GET host action=query`);
//! - `-vv`: every debug event of the libraries, API warnings included;
//! - `MW_LOG`: a `tracing` filter instead of the above, every event it lets
//!   through printed.

use std::fmt::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use mw_transport::Warning;
use serde_json::{Map, Value, json};

use crate::output::{self, escape, json_line, label};

/// The target of mw-transport's event before it sleeps for a retry; its
/// fields are `reason` (a string) and `wait_ms` (a u64).
pub const WAIT_TARGET: &str = "mw_transport::wait";

/// How much to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    /// Waits, and warnings other than API warnings.
    Default,
    /// Also one line per request.
    Requests,
    /// Everything at debug level.
    Debug,
    /// Everything at trace level.
    Trace,
    /// Whatever `MW_LOG`'s filter lets through.
    Custom,
}

impl Mode {
    fn of(verbose: u8) -> Mode {
        match verbose {
            0 => Mode::Default,
            1 => Mode::Requests,
            2 => Mode::Debug,
            _ => Mode::Trace,
        }
    }

    /// The filter in front of the lines.
    fn filter(self) -> EnvFilter {
        EnvFilter::new(match self {
            Mode::Default => "warn,mw_transport::wait=info",
            Mode::Requests => "warn,mw_transport=debug",
            Mode::Debug => "debug",
            Mode::Trace | Mode::Custom => "trace",
        })
    }
}

/// Prints `tracing` events as `mw:` lines (on stderr; into `sink` for the
/// tests).
pub struct Lines<F> {
    mode: Mode,
    /// `--json`: each line a JSON object.
    json: bool,
    sink: F,
}

impl<F: Fn(&str)> Lines<F> {
    /// The line for an event, if this mode shows it.
    fn line(&self, event: &Event<'_>) -> Option<String> {
        let meta = event.metadata();
        let mut f = Fields::default();
        event.record(&mut f);
        if meta.target() == WAIT_TARGET {
            let ms = f.get("wait_ms").and_then(|v| v.parse::<u64>().ok());
            let reason = f.get("reason").unwrap_or("a retry");
            if self.json {
                return Some(json_line(
                    &json!({"wait": {"reason": reason, "wait_ms": ms}}),
                ));
            }
            return Some(match ms {
                Some(ms) => format!(
                    "mw: waiting {:.1} s before retrying: {}",
                    ms as f64 / 1000.0,
                    escape(reason)
                ),
                None => format!("mw: waiting before retrying: {}", escape(reason)),
            });
        }
        let request = f.message == "sending a request" && f.get("method").is_some();
        if request && self.mode >= Mode::Requests {
            if self.json {
                return Some(json_line(&json!({"request": {
                    "method": f.get("method"), "host": f.get("host"), "action": f.get("action"),
                }})));
            }
            return Some(format!(
                "mw: request: {} {} action={}",
                escape(f.get("method").unwrap_or("?")),
                escape(f.get("host").unwrap_or("?")),
                escape(f.get("action").unwrap_or("?")),
            ));
        }
        // mw-transport's `tracing::warn!` for each API warning.
        let api_warning = f.get("deprecation").is_some() && f.get("module").is_some();
        if api_warning && self.mode != Mode::Custom {
            // Printed from the result, or before the error if it fails.
            output::pending(f.warning());
        }
        let level = *meta.level();
        if self.json && (self.mode >= Mode::Debug || (level <= Level::WARN && !api_warning)) {
            return Some(json_line(&json!({"log": {
                "level": level.as_str().to_ascii_lowercase(),
                "target": meta.target(),
                "message": f.message,
                "fields": f.fields.iter().map(|(n, v)| ((*n).to_owned(), json!(v))).collect::<Map<String, Value>>(),
            }})));
        }
        match self.mode {
            Mode::Default | Mode::Requests => {
                if level > Level::WARN || api_warning {
                    return None;
                }
                let kind = if level == Level::ERROR {
                    "error"
                } else {
                    "warning"
                };
                Some(format!("mw: {}: {}", label(kind), f.text(false)))
            }
            Mode::Debug | Mode::Trace | Mode::Custom => Some(format!(
                "mw: {} {}: {}",
                level.as_str().to_ascii_lowercase(),
                escape(meta.target()),
                f.text(true)
            )),
        }
    }
}

impl<S: Subscriber, F: Fn(&str) + 'static> Layer<S> for Lines<F> {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if let Some(line) = self.line(event) {
            (self.sink)(&line);
        }
    }
}

/// An event's message and other fields, as text.
#[derive(Default)]
struct Fields {
    message: String,
    fields: Vec<(&'static str, String)>,
}

impl Fields {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// mw-transport's API warning event as the warning it logs.
    fn warning(&self) -> Warning {
        let text = self.message.strip_prefix("MediaWiki API warning: ");
        Warning::new(
            self.get("module").unwrap_or_default(),
            self.get("code").filter(|c| !c.is_empty()),
            text.unwrap_or(&self.message),
        )
    }

    /// The message and then `name=value` for each field, escaped.
    fn text(&self, with_fields: bool) -> String {
        let mut out = escape(&self.message);
        if with_fields {
            for (n, v) in &self.fields {
                let _ = write!(out, " {n}={}", escape(v));
            }
        }
        out
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.fields.push((field.name(), value.to_owned()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

/// Installs the lines on stderr for `-v` counted `verbose` times, or for
/// `MW_LOG`'s filter when it is set.
pub fn init_tracing(verbose: u8, json: bool) {
    let (mode, filter) = match EnvFilter::try_from_env("MW_LOG") {
        Ok(filter) => (Mode::Custom, filter),
        Err(_) => (Mode::of(verbose), Mode::of(verbose).filter()),
    };
    let lines = Lines {
        mode,
        json,
        sink: |line: &str| eprintln!("{line}"),
    };
    let subscriber = tracing_subscriber::registry().with(filter).with(lines);
    // An error means a subscriber is already set: keep it.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex, PoisonError};

    /// The lines `mode` prints for the events mw-transport emits.
    fn lines(mode: Mode) -> Vec<String> {
        let got: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = {
            let got = Arc::clone(&got);
            move |l: &str| {
                got.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(l.to_owned());
            }
        };
        let subscriber = tracing_subscriber::registry()
            .with(mode.filter())
            .with(Lines {
                mode,
                json: false,
                sink,
            });
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(
                target: "mw_transport::client",
                method = %"GET",
                host = %"wiki.example\x1b[2J",
                action = %"query",
                "sending a request"
            );
            tracing::info!(
                target: "mw_transport::wait",
                reason = "maxlag (the wiki's replicas lag 7 s)",
                wait_ms = 5000u64,
                "waiting before a retry"
            );
            tracing::warn!(
                target: "mw_transport::client",
                module = %"main",
                code = "",
                deprecation = false,
                "MediaWiki API warning: {}",
                "Unrecognized parameter: foo."
            );
            tracing::debug!(target: "mw_transport::client", status = 200u16, "received a response");
        });
        got.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    #[test]
    fn default_shows_the_wait_and_no_api_warning() {
        assert_eq!(
            lines(Mode::Default),
            ["mw: waiting 5.0 s before retrying: maxlag (the wiki's replicas lag 7 s)"]
        );
    }

    #[test]
    fn verbose_adds_one_escaped_line_per_request() {
        assert_eq!(
            lines(Mode::Requests),
            [
                r"mw: request: GET wiki.example\e[2J action=query",
                "mw: waiting 5.0 s before retrying: maxlag (the wiki's replicas lag 7 s)",
            ]
        );
    }

    #[test]
    fn very_verbose_shows_every_event() {
        let got = lines(Mode::Debug);
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(
            got[2],
            "mw: warn mw_transport::client: MediaWiki API warning: Unrecognized parameter: foo. \
             module=main code= deprecation=false"
        );
        assert_eq!(
            got[3],
            "mw: debug mw_transport::client: received a response status=200"
        );
    }

    #[test]
    fn a_wait_of_another_shape_is_still_one_line() {
        let got: Arc<Mutex<Vec<String>>> = Arc::default();
        let g = Arc::clone(&got);
        let subscriber = tracing_subscriber::registry().with(Lines {
            mode: Mode::Default,
            json: false,
            sink: move |l: &str| {
                g.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(l.into())
            },
        });
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "mw_transport::wait", reason = "http 503\nforged", wait_ms = 1500u64);
        });
        assert_eq!(
            *got.lock().unwrap_or_else(PoisonError::into_inner),
            [r"mw: waiting 1.5 s before retrying: http 503\nforged"]
        );
    }
}
