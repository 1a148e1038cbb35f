//! Shared by the integration tests that look for leaked secrets: a
//! `tracing` subscriber at TRACE that keeps every event's and every span's
//! fields as text, and the forms a secret can take on the wire.
#![allow(dead_code)]

pub mod tap;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Every event and span (name, level, target and all fields, including
/// those recorded later), as one text line each.
#[derive(Clone, Default)]
pub struct Capture {
    lines: Arc<Mutex<Vec<String>>>,
    next_id: Arc<AtomicU64>,
}

impl Capture {
    pub fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
    fn push(&self, line: String) {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }
}

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        let _ = write!(self.0, " {}={}", field.name(), value);
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut fields = Fields(String::new());
        span.record(&mut fields);
        let m = span.metadata();
        self.push(format!(
            "span {} {} {}:{}",
            m.level(),
            m.target(),
            m.name(),
            fields.0
        ));
        tracing::span::Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut fields = Fields(String::new());
        values.record(&mut fields);
        self.push(format!("record:{}", fields.0));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        let m = event.metadata();
        self.push(format!("event {} {}:{}", m.level(), m.target(), fields.0));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// The forms a secret can take: as is, form/percent-encoded, with `+`
/// decoded as a space, and (for tokens) the part before the `+\` suffix.
pub fn secret_forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_owned()];
    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    forms.push(encoded.clone());
    forms.push(encoded.replace('+', "%20"));
    if let Some(body) = secret.strip_suffix("+\\")
        && body.len() >= 8
    {
        forms.push(body.to_owned());
    }
    forms.retain(|f| f.len() >= 6);
    forms.sort();
    forms.dedup();
    forms
}

/// Panics if any form of any secret occurs in `haystack`.
pub fn assert_clean(what: &str, haystack: &str, secrets: &[(&str, String)]) {
    for (name, secret) in secrets {
        for form in secret_forms(secret) {
            assert!(
                !haystack.contains(&form),
                "{name} leaked into {what}: {haystack}"
            );
        }
    }
}
