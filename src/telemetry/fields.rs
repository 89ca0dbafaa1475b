//! How span and event fields are written in the pretty format: `name=value`
//! separated by spaces, as tracing-subscriber's default does, but without
//! styling. The default paints every field name and `=` through
//! `nu-ansi-term` even when colours are off; each request's span paid about
//! 2,600 instructions for it (callgrind, bench/README.md), more than
//! hyper's parsing of the request.

use std::fmt::{self, Write};

use tracing::field::{Field, Visit};
use tracing_subscriber::field::{MakeVisitor, VisitFmt, VisitOutput};
use tracing_subscriber::fmt::format::Writer;

/// The visitor factory for `fmt::layer().fmt_fields(..)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainFields;

impl<'a> MakeVisitor<Writer<'a>> for PlainFields {
    type Visitor = PlainVisitor<'a>;

    fn make_visitor(&self, writer: Writer<'a>) -> Self::Visitor {
        PlainVisitor { writer, first: true, result: Ok(()) }
    }
}

/// Writes one record's fields.
pub struct PlainVisitor<'a> {
    writer: Writer<'a>,
    first: bool,
    result: fmt::Result,
}

impl Visit for PlainVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.result.is_err() {
            return;
        }
        if !std::mem::take(&mut self.first) {
            self.result = self.writer.write_char(' ');
        }
        let name = field.name();
        self.result = self.result.and_then(|()| match name {
            // As the default does: the message may carry text from outside,
            // so no terminal control sequence gets through it.
            "message" => write!(Escaping(&mut self.writer), "{value:?}"),
            name => write!(self.writer, "{}={value:?}", name.strip_prefix("r#").unwrap_or(name)),
        });
    }
}

impl VisitOutput<fmt::Result> for PlainVisitor<'_> {
    fn finish(self) -> fmt::Result {
        self.result
    }
}

impl VisitFmt for PlainVisitor<'_> {
    fn writer(&mut self) -> &mut dyn fmt::Write {
        &mut self.writer
    }
}

/// Replaces the control characters terminals act on (C0 escapes and C1)
/// with their escaped spelling, as tracing-subscriber does for messages.
struct Escaping<'w, W: Write>(&'w mut W);

impl<W: Write> Write for Escaping<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            match c {
                '\x1b' | '\x07' | '\x08' | '\x0c' | '\x7f' | '\u{80}'..='\u{9f}' => {
                    write!(self.0, "\\u{{{:x}}}", c as u32)?;
                }
                c => self.0.write_char(c)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::fmt::FormatFields;

    use super::*;

    /// The fields of an event made with `make`, as written.
    fn written(make: impl FnOnce()) -> String {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Capture(Arc<Mutex<String>>);
        impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
            fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
                let mut out = String::new();
                PlainFields.format_fields(Writer::new(&mut out), event).unwrap();
                self.0.lock().unwrap().push_str(&out);
            }
        }
        use tracing_subscriber::prelude::*;
        let capture = Capture::default();
        let subscriber = tracing_subscriber::registry().with(capture.clone());
        tracing::subscriber::with_default(subscriber, make);
        capture.0.lock().unwrap().clone()
    }

    #[test]
    fn fields_are_written_as_name_equals_value_separated_by_spaces() {
        let line = written(|| tracing::info!(request_id = %"abc-123", user_id = 7, quoted = "x y", "done"));
        assert_eq!(line, r#"done request_id=abc-123 user_id=7 quoted="x y""#);
    }

    #[test]
    fn control_characters_in_a_message_are_escaped() {
        let evil = "red\x1b[31m bell\x07 c1\u{9b}";
        let line = written(|| tracing::info!("{evil}"));
        assert_eq!(line, r"red\u{1b}[31m bell\u{7} c1\u{9b}");
    }
}
