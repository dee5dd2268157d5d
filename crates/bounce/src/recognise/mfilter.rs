//! m-FILTER (Digital Arts, Japan): "-------server message" / "-------SMTP command" sections
//! after a line with each failed address.

use super::common::{before_any, push_text};
use super::probe::{Probe, body_ci};
use super::{Delivery, Recogniser};
use crate::finish::find_command;
use crate::mail::Mail;
use crate::text::{contains_ci, first_address};

/// The m-FILTER recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "mfilter",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    body_ci!(m, "-------server message") || m.received_ci("by m-filter")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(
        &m.body,
        &["-------original message", "-------original mail info"],
    );
    let mut ds: Vec<Delivery> = Vec::new();
    let mut section = "";
    for line in text.split('\n') {
        let t = line.trim();
        if let Some(name) = t.strip_prefix("-------") {
            section = if contains_ci(name, "server message") {
                "server"
            } else if contains_ci(name, "smtp command") {
                "command"
            } else {
                ""
            };
            continue;
        }
        if t.is_empty() {
            continue;
        }
        match section {
            "server" => {
                if let Some(d) = ds.last_mut() {
                    push_text(&mut d.diagnostic, t);
                }
            }
            "command" => {
                if let Some(d) = ds.last_mut() {
                    d.command = find_command(&format!(">>> {t}"));
                }
            }
            _ => {
                if t.contains('@')
                    && !t.contains(' ')
                    && let Some(a) = first_address(t)
                    && a.len() + 2 >= t.len()
                {
                    ds.push(Delivery {
                        recipient: a,
                        ..Default::default()
                    });
                }
            }
        }
    }
    (!ds.is_empty()).then_some(ds)
}
