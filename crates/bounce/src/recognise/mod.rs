//! Recognisers: one module per bounce family, all with the same shape ([`Recogniser`]).
//!
//! Each recogniser has a cheap `probe` (headers, a few phrases) and a `parse` that returns one
//! [`Delivery`] per recipient, or `None` when the message is not of its family after all. The
//! driver tries them in [`ORDER`]; the first that returns deliveries decides, and its name goes
//! into every record's `detector` field.

use mailway_status::{EnhancedStatus, Reason, SmtpCommand};

use crate::mail::Mail;
use crate::recognise::probe::Probe;
use crate::record::Action;

pub mod activehunter;
pub mod amavis;
pub mod amazonses;
pub mod amazonworkmail;
pub mod apachejames;
pub mod arf;
pub mod barracuda;
pub mod bigfoot;
pub mod common;
pub mod courier;
pub mod domino;
pub mod dragonfly;
pub mod einsundeins;
pub mod exchange2003;
pub mod exchange2007;
pub mod exim;
pub mod ezweb;
pub mod fallback;
pub mod fml;
pub mod gmail;
pub mod gmx;
pub mod google;
pub mod googlegroups;
pub mod googleworkspace;
pub mod imailserver;
pub mod kddi;
pub mod mailfoundry;
pub mod mailmarshal;
pub mod mailru;
pub mod mcafee;
pub mod messagingserver;
pub mod mfilter;
pub mod mimecast;
pub mod mxlogic;
pub mod notes;
pub mod office365;
pub mod opensmtpd;
pub mod outlook;
pub mod postfix;
pub mod powermta;
pub mod probe;
pub mod qmail;
pub mod receivingses;
pub mod rfc3464;
pub mod rfc3834;
pub mod sendgrid;
pub mod sendmail;
pub mod surfcontrol;
pub mod trendmicro;
pub mod v5sendmail;
pub mod verizon;
pub mod x1;
pub mod x2;
pub mod x3;
pub mod x6;
pub mod yahoo;
pub mod yandex;
pub mod zoho;

/// What a recogniser found for one recipient. Fields left empty are completed by
/// [`crate::finish`] from the diagnostic text (status, reply code, command, remote host).
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    /// Recipient address.
    pub recipient: String,
    /// `Original-Recipient`.
    pub original_recipient: Option<String>,
    /// Action.
    pub action: Option<Action>,
    /// Enhanced status code found in the message.
    pub status: Option<EnhancedStatus>,
    /// The recogniser chose `status` among several codes of the text: keep it.
    pub status_locked: bool,
    /// Basic reply code.
    pub reply_code: Option<u16>,
    /// Diagnostic text.
    pub diagnostic: String,
    /// Diagnostic type of `Diagnostic-Code` (`SMTP`, `X-POSTFIX`, `X-UNIX`).
    pub diagnostic_type: Option<String>,
    /// A `Status:` value that held text instead of a code (kept as extra evidence).
    pub diagnostic_extra: Option<String>,
    /// Remote MTA.
    pub remote_mta: Option<String>,
    /// Reporting MTA.
    pub reporting_mta: Option<String>,
    /// SMTP command that got the error.
    pub command: Option<SmtpCommand>,
    /// Last attempt date (already normalised).
    pub last_attempt: Option<String>,
    /// Will-retry-until (already normalised).
    pub will_retry_until: Option<String>,
    /// A reason the recogniser knows for sure (vendor-specific wording or report type).
    pub reason: Option<Reason>,
    /// ARF feedback type.
    pub feedback_type: Option<String>,
}

/// The shared shape of a recogniser.
pub struct Recogniser {
    /// Detector name written into records (`postfix`, `exim`, `rfc3464`, ...).
    pub name: &'static str,
    /// Cheap test: could this message be of this family?
    pub probe: fn(&Probe) -> bool,
    /// Full parse: one delivery per recipient, or `None`.
    pub parse: fn(&Mail) -> Option<Vec<Delivery>>,
}

/// Recognisers in the order they are tried. Specific families first, then the standards,
/// then auto-replies.
pub static ORDER: &[&Recogniser] = &[
    &arf::RECOGNISER,
    &amazonworkmail::RECOGNISER,
    &receivingses::RECOGNISER,
    &mxlogic::RECOGNISER,
    &mailru::RECOGNISER,
    &yahoo::RECOGNISER,
    &einsundeins::RECOGNISER,
    &bigfoot::RECOGNISER,
    &sendgrid::RECOGNISER,
    &exchange2007::RECOGNISER,
    &outlook::RECOGNISER,
    &messagingserver::RECOGNISER,
    &courier::RECOGNISER,
    &mcafee::RECOGNISER,
    &amavis::RECOGNISER,
    &barracuda::RECOGNISER,
    &surfcontrol::RECOGNISER,
    &amazonses::RECOGNISER,
    &dragonfly::RECOGNISER,
    &googlegroups::RECOGNISER,
    &gmail::RECOGNISER,
    &googleworkspace::RECOGNISER,
    &google::RECOGNISER,
    &opensmtpd::RECOGNISER,
    &yandex::RECOGNISER,
    &powermta::RECOGNISER,
    &postfix::RECOGNISER,
    &ezweb::RECOGNISER,
    &mfilter::RECOGNISER,
    &activehunter::RECOGNISER,
    &fml::RECOGNISER,
    &notes::RECOGNISER,
    &office365::RECOGNISER,
    &kddi::RECOGNISER,
    &mailfoundry::RECOGNISER,
    &mailmarshal::RECOGNISER,
    &mimecast::RECOGNISER,
    &verizon::RECOGNISER,
    &trendmicro::RECOGNISER,
    &x1::RECOGNISER,
    &x6::RECOGNISER,
    &apachejames::RECOGNISER,
    &domino::RECOGNISER,
    &exchange2003::RECOGNISER,
    &imailserver::RECOGNISER,
    &x2::RECOGNISER,
    &x3::RECOGNISER,
    &gmx::RECOGNISER,
    &zoho::RECOGNISER,
    &qmail::RECOGNISER,
    &v5sendmail::RECOGNISER,
    &sendmail::RECOGNISER,
    &exim::RECOGNISER,
    &rfc3464::RECOGNISER,
    &rfc3834::RECOGNISER,
];

/// The fallback recogniser's parse, for families that sometimes write free text.
pub fn fallback_parse(m: &Mail) -> Option<Vec<Delivery>> {
    (fallback::RECOGNISER.parse)(m)
}

/// The last resort, tried after everything else (see [`fallback`]).
pub static LAST: &Recogniser = &fallback::RECOGNISER;

/// Runs the last-resort recogniser.
pub fn recognise_last(mail: &Mail) -> Option<(&'static str, Vec<Delivery>)> {
    crate::text::lower::with(&mail.body, || last(mail))
}

fn last(mail: &Mail) -> Option<(&'static str, Vec<Delivery>)> {
    if !(LAST.probe)(&Probe::new(mail)) {
        return None;
    }
    (LAST.parse)(mail)
        .filter(|ds| !ds.is_empty())
        .map(|ds| (LAST.name, ds))
}

/// Runs the recognisers over `mail`; returns the detector name and its deliveries.
pub fn recognise(mail: &Mail) -> Option<(&'static str, Vec<Delivery>)> {
    // the body and the delivery-status part are searched for many phrases: through one
    // lower-case copy of each
    crate::text::lower::with_all(&[&mail.body, mail.dsn.as_deref().unwrap_or("")], || {
        first_match(mail)
    })
}

fn first_match(mail: &Mail) -> Option<(&'static str, Vec<Delivery>)> {
    let probe = Probe::new(mail);
    for r in ORDER {
        if !(r.probe)(&probe) {
            continue;
        }
        if let Some(ds) = (r.parse)(mail)
            && !ds.is_empty()
        {
            return Some((r.name, ds));
        }
    }
    None
}
