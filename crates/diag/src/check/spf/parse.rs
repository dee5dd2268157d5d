//! SPF record syntax (RFC 7208 §4.6, §5, §6, §7, §12 ABNF): a parser that keeps going after an
//! error, so every syntax error of a record is reported, not only the first. Pure: no I/O.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::check::finding::LocalArg;
use crate::check::i18n::Lang;

/// A syntax error's detail: the message `spf-detail-<name>` with its arguments.
fn detail(name: &str, args: &[(&str, String)]) -> LocalArg {
    LocalArg::Text {
        id: detail_id(name),
        args: args
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect(),
    }
}

/// `spf.detail-<name>` as a `'static` id (the names are the literals of this module).
fn detail_id(name: &str) -> &'static str {
    const IDS: [&str; 26] = [
        "spf.detail-macro-char",
        "spf.detail-macro-unterminated",
        "spf.detail-macro-letter",
        "spf.detail-macro-bad-char",
        "spf.detail-macro-digits",
        "spf.detail-macro-zero",
        "spf.detail-macro-invalid",
        "spf.detail-macro-lone-percent",
        "spf.detail-empty-domain",
        "spf.detail-no-tld",
        "spf.detail-bad-tld",
        "spf.detail-not-domain",
        "spf.detail-bad-prefix",
        "spf.detail-unexpected",
        "spf.detail-non-ascii",
        "spf.detail-control-char",
        "spf.detail-modifier-name",
        "spf.detail-modifier-twice",
        "spf.detail-no-argument",
        "spf.detail-no-prefix",
        "spf.detail-needs-domain",
        "spf.detail-needs-colon-domain",
        "spf.detail-bad-argument",
        "spf.detail-needs-address",
        "spf.detail-not-ip",
        "spf.detail-unknown-mechanism",
    ];
    IDS.iter()
        .find(|id| id.split_once("detail-").map(|(_, n)| n) == Some(name))
        .copied()
        .unwrap_or("spf.detail-unknown-mechanism")
}

fn prefix_detail(family: &str, value: &str) -> LocalArg {
    detail(
        "bad-prefix",
        &[("family", family.into()), ("value", format!("{value:?}"))],
    )
}

/// `+`, `-`, `~`, `?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    /// `+` (the default).
    Pass,
    /// `-`.
    Fail,
    /// `~`.
    SoftFail,
    /// `?`.
    Neutral,
}

impl Qualifier {
    /// The character.
    pub fn symbol(self) -> char {
        match self {
            Self::Pass => '+',
            Self::Fail => '-',
            Self::SoftFail => '~',
            Self::Neutral => '?',
        }
    }
}

/// One piece of a macro-string (RFC 7208 §7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MacroPart {
    /// Literal text.
    Literal(String),
    /// `%{...}`.
    Expand {
        /// The macro letter, lowercase.
        letter: char,
        /// Upper-case letter: URL-escape the result (RFC 7208 §7.3).
        url_escape: bool,
        /// Keep this many right-hand parts (`%{d2}`).
        digits: Option<usize>,
        /// `r`: reverse the parts.
        reverse: bool,
        /// Delimiters to split on (default `.`).
        delimiters: String,
    },
    /// `%%`.
    Percent,
    /// `%_` (space).
    Space,
    /// `%-` (URL-encoded space, `%20`).
    UrlSpace,
}

/// A macro-string: a domain-spec, an `exp` text or an unknown modifier's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroString {
    /// The text as written.
    pub raw: String,
    /// The parsed pieces.
    pub parts: Vec<MacroPart>,
}

impl MacroString {
    /// True when it contains no macro (its value is known without evaluation).
    pub fn is_literal(&self) -> bool {
        self.parts
            .iter()
            .all(|p| matches!(p, MacroPart::Literal(_)))
    }

    /// True when it uses a letter that depends on the connecting client or sender
    /// (`%{i}`, `%{s}`, `%{l}`, `%{o}`, `%{h}`, `%{p}`, `%{v}`, `%{c}`, `%{r}`, `%{t}`): its
    /// target cannot be known statically.
    pub fn depends_on_client(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, MacroPart::Expand { letter, .. } if *letter != 'd'))
    }
}

impl fmt::Display for MacroString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// A mechanism (RFC 7208 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mechanism {
    /// `all`.
    All,
    /// `include:domain`.
    Include(MacroString),
    /// `a[:domain][/cidr4][//cidr6]`.
    A {
        /// Target (default: the current domain).
        domain: Option<MacroString>,
        /// IPv4 prefix length (default 32).
        cidr4: u8,
        /// IPv6 prefix length (default 128).
        cidr6: u8,
    },
    /// `mx[:domain][/cidr4][//cidr6]`.
    Mx {
        /// Target (default: the current domain).
        domain: Option<MacroString>,
        /// IPv4 prefix length.
        cidr4: u8,
        /// IPv6 prefix length.
        cidr6: u8,
    },
    /// `ptr[:domain]` (deprecated, RFC 7208 §5.5).
    Ptr(Option<MacroString>),
    /// `ip4:addr[/len]`.
    Ip4 {
        /// Network.
        addr: Ipv4Addr,
        /// Prefix length.
        prefix: u8,
    },
    /// `ip6:addr[/len]`.
    Ip6 {
        /// Network.
        addr: Ipv6Addr,
        /// Prefix length.
        prefix: u8,
    },
    /// `exists:domain`.
    Exists(MacroString),
}

impl Mechanism {
    /// Name as written in records.
    pub fn name(&self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Include(_) => "include",
            Self::A { .. } => "a",
            Self::Mx { .. } => "mx",
            Self::Ptr(_) => "ptr",
            Self::Ip4 { .. } => "ip4",
            Self::Ip6 { .. } => "ip6",
            Self::Exists(_) => "exists",
        }
    }

    /// True for mechanisms that count toward the 10-lookup limit (RFC 7208 §4.6.4).
    pub fn does_lookup(&self) -> bool {
        matches!(
            self,
            Self::Include(_) | Self::A { .. } | Self::Mx { .. } | Self::Ptr(_) | Self::Exists(_)
        )
    }
}

/// A directive: qualifier and mechanism, with the term as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Qualifier (explicit or the default `+`).
    pub qualifier: Qualifier,
    /// The mechanism.
    pub mechanism: Mechanism,
    /// The term as written (e.g. `~all`).
    pub text: String,
}

/// What is wrong with a term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// Not an SPF mechanism or modifier (`ip:`, `~al`, ...).
    UnknownMechanism,
    /// `ip4:` value is not an IPv4 address.
    BadIp4,
    /// `ip6:` value is not an IPv6 address.
    BadIp6,
    /// A prefix length out of range or badly written (`/33`, `/032`, `/`).
    BadCidr,
    /// The mechanism needs a domain (`include`, `exists`) or has an empty one (`a:`).
    MissingDomain,
    /// An argument on a mechanism that takes none (`all:x`, `all/24`) or a CIDR where none is
    /// allowed (`include:x/24`, `ptr/24`).
    UnexpectedArgument,
    /// The domain-spec does not end in a valid top label or macro (`a:1.2.3.4`, `a:foo`).
    BadDomainEnd,
    /// A bad macro (`%{z}`, `%x`, unterminated `%{`, `%{c}` outside `exp`).
    BadMacro,
    /// `redirect` or `exp` given twice.
    DuplicateModifier,
    /// A modifier with an empty or invalid name (`=foo`, `a.b!=x`).
    BadModifierName,
    /// Characters outside visible ASCII in the record (RFC 7208 §3.1).
    NonAscii,
    /// A control character (CR, LF, TAB) inside the record (terms are separated by spaces).
    ControlChar,
}

/// One syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The term as written.
    pub term: String,
    /// 1-based position of the term (0 for record-wide errors).
    pub position: usize,
    /// What is wrong.
    pub kind: SyntaxErrorKind,
    /// A short English detail for logs and JSON (the localised text comes from the `kind`).
    pub detail: String,
    /// The detail as a message of the check's Fluent files (`spf-detail-*`), for the report's
    /// language.
    pub detail_text: LocalArg,
}

/// A parsed SPF record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpfRecord {
    /// The record text.
    pub text: String,
    /// Mechanisms in order.
    pub directives: Vec<Directive>,
    /// `redirect=` (first one when repeated).
    pub redirect: Option<MacroString>,
    /// `exp=` (first one when repeated).
    pub exp: Option<MacroString>,
    /// Other `name=value` modifiers (ignored by evaluation).
    pub unknown_modifiers: Vec<(String, String)>,
    /// Every syntax error found. Any error makes evaluation return `permerror` (§4.6).
    pub errors: Vec<SyntaxError>,
}

impl SpfRecord {
    /// The `all` directive, if any.
    pub fn all(&self) -> Option<&Directive> {
        self.directives
            .iter()
            .find(|d| matches!(d.mechanism, Mechanism::All))
    }

    /// Number of terms that cause a DNS query here (mechanisms and `redirect`), not counting
    /// included records.
    pub fn local_lookups(&self) -> usize {
        self.directives
            .iter()
            .filter(|d| d.mechanism.does_lookup())
            .count()
            + usize::from(self.redirect.is_some() && self.all().is_none())
    }
}

/// True when `txt` is an SPF version 1 record: `v=spf1` (any case) followed by a space or the end
/// (RFC 7208 §4.5). `v=spf10` is not one.
pub fn is_spf_record(txt: &[u8]) -> bool {
    txt.len() >= 6 && txt[..6].eq_ignore_ascii_case(b"v=spf1") && (txt.len() == 6 || txt[6] == b' ')
}

fn is_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
fn is_toplabel(l: &str) -> bool {
    if l.is_empty() || !l.chars().all(|c| is_alnum(c) || c == '-') {
        return false;
    }
    if !l.contains('-') {
        return l.chars().any(|c| c.is_ascii_alphabetic());
    }
    let first = l.chars().next().is_some_and(is_alnum);
    let last = l.chars().last().is_some_and(is_alnum);
    first && last
}

/// Parses a macro-string. `exp_context` allows the letters `c`, `r`, `t` (RFC 7208 §7.2).
pub fn parse_macro_string(raw: &str, exp_context: bool) -> Result<MacroString, LocalArg> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            if !(c.is_ascii_graphic() || (exp_context && c == ' ')) {
                return Err(detail("macro-char", &[("value", format!("{c:?}"))]));
            }
            lit.push(c);
            continue;
        }
        let flush = |lit: &mut String, parts: &mut Vec<MacroPart>| {
            if !lit.is_empty() {
                parts.push(MacroPart::Literal(std::mem::take(lit)));
            }
        };
        match chars.next() {
            Some('%') => {
                flush(&mut lit, &mut parts);
                parts.push(MacroPart::Percent);
            }
            Some('_') => {
                flush(&mut lit, &mut parts);
                parts.push(MacroPart::Space);
            }
            Some('-') => {
                flush(&mut lit, &mut parts);
                parts.push(MacroPart::UrlSpace);
            }
            Some('{') => {
                flush(&mut lit, &mut parts);
                let letter = chars
                    .next()
                    .ok_or_else(|| detail("macro-unterminated", &[]))?;
                let lower = letter.to_ascii_lowercase();
                let allowed = matches!(lower, 's' | 'l' | 'o' | 'd' | 'i' | 'p' | 'h' | 'v')
                    || (exp_context && matches!(lower, 'c' | 'r' | 't'));
                if !letter.is_ascii_alphabetic() || !allowed {
                    return Err(detail("macro-letter", &[("value", format!("%{{{letter}"))]));
                }
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                let mut reverse = false;
                if chars.peek().is_some_and(|c| c.eq_ignore_ascii_case(&'r')) {
                    reverse = true;
                    chars.next();
                }
                let mut delimiters = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(d @ ('.' | '-' | '+' | ',' | '/' | '_' | '=')) => delimiters.push(d),
                        Some(other) => {
                            return Err(detail(
                                "macro-bad-char",
                                &[("value", format!("{other:?}"))],
                            ));
                        }
                        None => return Err(detail("macro-unterminated", &[])),
                    }
                }
                let digits = if digits.is_empty() {
                    None
                } else {
                    let n: usize = digits
                        .parse()
                        .map_err(|_| detail("macro-digits", &[("value", digits.clone())]))?;
                    if n == 0 {
                        return Err(detail("macro-zero", &[]));
                    }
                    Some(n.min(128))
                };
                parts.push(MacroPart::Expand {
                    letter: lower,
                    url_escape: letter.is_ascii_uppercase(),
                    digits,
                    reverse,
                    delimiters: if delimiters.is_empty() {
                        ".".into()
                    } else {
                        delimiters
                    },
                });
            }
            Some(other) => return Err(detail("macro-invalid", &[("value", format!("%{other}"))])),
            None => return Err(detail("macro-lone-percent", &[])),
        }
    }
    if !lit.is_empty() {
        parts.push(MacroPart::Literal(lit));
    }
    Ok(MacroString {
        raw: raw.to_string(),
        parts,
    })
}

/// Parses a domain-spec: a macro-string ending in `.toplabel[.]` or in a macro expansion.
pub fn parse_domain_spec(raw: &str) -> Result<MacroString, (SyntaxErrorKind, LocalArg)> {
    if raw.is_empty() {
        return Err((SyntaxErrorKind::MissingDomain, detail("empty-domain", &[])));
    }
    let ms = parse_macro_string(raw, false).map_err(|e| (SyntaxErrorKind::BadMacro, e))?;
    match ms.parts.last() {
        Some(MacroPart::Expand { .. }) => Ok(ms),
        Some(MacroPart::Literal(tail)) => {
            let t = tail.strip_suffix('.').unwrap_or(tail);
            // domain-end = "." toplabel ["."]: a dot must precede the top label, unless the
            // literal tail follows a macro (`%{d}.com` is fine, `%{d}com` is not)
            let (before, top) = match t.rfind('.') {
                Some(i) => (&t[..i], &t[i + 1..]),
                None => {
                    return Err((
                        SyntaxErrorKind::BadDomainEnd,
                        detail("no-tld", &[("value", format!("{raw:?}"))]),
                    ));
                }
            };
            if before.is_empty() && ms.parts.len() == 1 {
                return Err((
                    SyntaxErrorKind::BadDomainEnd,
                    detail("no-tld", &[("value", format!("{raw:?}"))]),
                ));
            }
            if !is_toplabel(top) {
                return Err((
                    SyntaxErrorKind::BadDomainEnd,
                    detail("bad-tld", &[("value", format!("{top:?}"))]),
                ));
            }
            Ok(ms)
        }
        _ => Err((
            SyntaxErrorKind::BadDomainEnd,
            detail("not-domain", &[("value", format!("{raw:?}"))]),
        )),
    }
}

/// ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT), at most 32; same for IPv6 up to 128.
fn parse_cidr(s: &str, max: u8) -> Option<u8> {
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) || s.len() > 3 {
        return None;
    }
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    let n: u16 = s.parse().ok()?;
    (n <= u16::from(max)).then_some(n as u8)
}

/// Splits `[:domain][/cidr4][//cidr6]` for a/mx. Returns (domain text, cidr4, cidr6).
fn split_dual_cidr(arg: &str) -> Result<(Option<&str>, u8, u8), (SyntaxErrorKind, LocalArg)> {
    let bad = |m: LocalArg| (SyntaxErrorKind::BadCidr, m);
    let (body, cidr6) = match arg.find("//") {
        Some(i) => {
            let v = parse_cidr(&arg[i + 2..], 128)
                .ok_or_else(|| bad(prefix_detail("6", &arg[i + 2..])))?;
            (&arg[..i], v)
        }
        None => (arg, 128),
    };
    // the domain may contain '/', only a trailing /digits is a cidr
    let (domain, cidr4) = match body.rfind('/') {
        Some(i) if body[i + 1..].chars().all(|c| c.is_ascii_digit()) => {
            let v = parse_cidr(&body[i + 1..], 32)
                .ok_or_else(|| bad(prefix_detail("4", &body[i + 1..])))?;
            (&body[..i], v)
        }
        _ => (body, 32),
    };
    let domain = if domain.is_empty() {
        None
    } else if let Some(d) = domain.strip_prefix(':') {
        Some(d)
    } else {
        return Err((
            SyntaxErrorKind::UnknownMechanism,
            detail("unexpected", &[("value", format!("{domain:?}"))]),
        ));
    };
    Ok((domain, cidr4, cidr6))
}

/// Parses a record (the joined TXT string). Never fails: errors are collected in
/// [`SpfRecord::errors`], and terms that parse are kept even when others do not.
pub fn parse_record(text: &str) -> SpfRecord {
    let mut rec = SpfRecord {
        text: text.to_string(),
        ..SpfRecord::default()
    };
    let push_err = |rec: &mut SpfRecord, term: &str, pos: usize, kind, detail: LocalArg| {
        rec.errors.push(SyntaxError {
            term: term.to_string(),
            position: pos,
            kind,
            detail: detail.render(Lang::En),
            detail_text: detail,
        });
    };
    if !text.is_ascii() {
        push_err(
            &mut rec,
            text,
            0,
            SyntaxErrorKind::NonAscii,
            detail("non-ascii", &[]),
        );
    }
    if let Some(c) = text.chars().find(|c| c.is_ascii_control()) {
        push_err(
            &mut rec,
            text,
            0,
            SyntaxErrorKind::ControlChar,
            detail("control-char", &[("value", format!("{c:?}"))]),
        );
    }
    let body = if is_spf_record(text.as_bytes()) {
        &text[6..]
    } else {
        text
    };
    for (i, term) in body.split(' ').filter(|t| !t.is_empty()).enumerate() {
        let pos = i + 1;
        if let Err((kind, detail)) = parse_term(term, &mut rec) {
            push_err(&mut rec, term, pos, kind, detail);
        }
    }
    rec
}

fn parse_term(term: &str, rec: &mut SpfRecord) -> Result<(), (SyntaxErrorKind, LocalArg)> {
    // modifier: name "=" macro-string, where name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
    // A '=' before any ':' or '/' makes it a modifier.
    let eq = term.find('=');
    let colon_or_slash = term.find([':', '/']);
    if let Some(eq) = eq
        && colon_or_slash.is_none_or(|c| eq < c)
    {
        let name = &term[..eq];
        let value = &term[eq + 1..];
        let valid_name = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid_name {
            return Err((
                SyntaxErrorKind::BadModifierName,
                detail("modifier-name", &[("value", format!("{name:?}"))]),
            ));
        }
        match name.to_ascii_lowercase().as_str() {
            "redirect" => {
                let ds = parse_domain_spec(value)?;
                if rec.redirect.is_some() {
                    return Err((
                        SyntaxErrorKind::DuplicateModifier,
                        detail("modifier-twice", &[("name", "redirect".into())]),
                    ));
                }
                rec.redirect = Some(ds);
            }
            "exp" => {
                let ds = parse_domain_spec(value)?;
                if rec.exp.is_some() {
                    return Err((
                        SyntaxErrorKind::DuplicateModifier,
                        detail("modifier-twice", &[("name", "exp".into())]),
                    ));
                }
                rec.exp = Some(ds);
            }
            _ => {
                parse_macro_string(value, false).map_err(|e| (SyntaxErrorKind::BadMacro, e))?;
                rec.unknown_modifiers
                    .push((name.to_string(), value.to_string()));
            }
        }
        return Ok(());
    }
    let (qualifier, rest) = match term.chars().next() {
        Some('+') => (Qualifier::Pass, &term[1..]),
        Some('-') => (Qualifier::Fail, &term[1..]),
        Some('~') => (Qualifier::SoftFail, &term[1..]),
        Some('?') => (Qualifier::Neutral, &term[1..]),
        _ => (Qualifier::Pass, term),
    };
    let name_end = rest.find([':', '/']).unwrap_or(rest.len());
    let name = rest[..name_end].to_ascii_lowercase();
    let arg = &rest[name_end..];
    let unexpected = |what: &str| {
        Err((
            SyntaxErrorKind::UnexpectedArgument,
            detail(
                "no-argument",
                &[("term", what.into()), ("value", format!("{arg:?}"))],
            ),
        ))
    };
    let domain_arg = |arg: &str, mech: &str| -> Result<MacroString, (SyntaxErrorKind, LocalArg)> {
        match arg.strip_prefix(':') {
            Some(d) if !d.is_empty() => {
                if d.contains('/')
                    && d.rsplit('/')
                        .next()
                        .is_some_and(|x| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit()))
                {
                    return Err((
                        SyntaxErrorKind::UnexpectedArgument,
                        detail("no-prefix", &[("term", mech.into())]),
                    ));
                }
                parse_domain_spec(d)
            }
            Some(_) => Err((
                SyntaxErrorKind::MissingDomain,
                detail("needs-domain", &[("term", mech.into())]),
            )),
            None if arg.is_empty() => Err((
                SyntaxErrorKind::MissingDomain,
                detail("needs-colon-domain", &[("term", mech.into())]),
            )),
            None => Err((
                SyntaxErrorKind::UnexpectedArgument,
                detail(
                    "bad-argument",
                    &[("term", mech.into()), ("value", format!("{arg:?}"))],
                ),
            )),
        }
    };
    let mechanism = match name.as_str() {
        "all" => {
            if !arg.is_empty() {
                return unexpected("all");
            }
            Mechanism::All
        }
        "include" => Mechanism::Include(domain_arg(arg, "include")?),
        "exists" => Mechanism::Exists(domain_arg(arg, "exists")?),
        "ptr" => {
            if arg.is_empty() {
                Mechanism::Ptr(None)
            } else {
                Mechanism::Ptr(Some(domain_arg(arg, "ptr")?))
            }
        }
        "a" | "mx" => {
            let (domain, cidr4, cidr6) = split_dual_cidr(arg)?;
            let domain = match domain {
                Some("") => {
                    return Err((
                        SyntaxErrorKind::MissingDomain,
                        detail("needs-domain", &[("term", name.clone())]),
                    ));
                }
                Some(d) => Some(parse_domain_spec(d)?),
                None => None,
            };
            if name == "a" {
                Mechanism::A {
                    domain,
                    cidr4,
                    cidr6,
                }
            } else {
                Mechanism::Mx {
                    domain,
                    cidr4,
                    cidr6,
                }
            }
        }
        "ip4" => {
            let v = arg.strip_prefix(':').ok_or_else(|| {
                (
                    SyntaxErrorKind::BadIp4,
                    detail("needs-address", &[("term", "ip4".into())]),
                )
            })?;
            let (addr, prefix) = match v.split_once('/') {
                Some((a, p)) => (
                    a,
                    parse_cidr(p, 32)
                        .ok_or_else(|| (SyntaxErrorKind::BadCidr, prefix_detail("4", p)))?,
                ),
                None => (v, 32),
            };
            let addr = parse_ip4_strict(addr).ok_or_else(|| {
                (
                    SyntaxErrorKind::BadIp4,
                    detail(
                        "not-ip",
                        &[("family", "4".into()), ("value", format!("{addr:?}"))],
                    ),
                )
            })?;
            Mechanism::Ip4 { addr, prefix }
        }
        "ip6" => {
            let v = arg.strip_prefix(':').ok_or_else(|| {
                (
                    SyntaxErrorKind::BadIp6,
                    detail("needs-address", &[("term", "ip6".into())]),
                )
            })?;
            let (addr, prefix) = match v.split_once('/') {
                Some((a, p)) => (
                    a,
                    parse_cidr(p, 128)
                        .ok_or_else(|| (SyntaxErrorKind::BadCidr, prefix_detail("6", p)))?,
                ),
                None => (v, 128),
            };
            let addr: Ipv6Addr = addr.parse().map_err(|_| {
                (
                    SyntaxErrorKind::BadIp6,
                    detail(
                        "not-ip",
                        &[("family", "6".into()), ("value", format!("{addr:?}"))],
                    ),
                )
            })?;
            Mechanism::Ip6 { addr, prefix }
        }
        _ => {
            return Err((
                SyntaxErrorKind::UnknownMechanism,
                detail(
                    "unknown-mechanism",
                    &[("value", format!("{:?}", &rest[..name_end]))],
                ),
            ));
        }
    };
    rec.directives.push(Directive {
        qualifier,
        mechanism,
        text: term.to_string(),
    });
    Ok(())
}

/// Dotted quad with no leading zeros and every octet ≤ 255.
fn parse_ip4_strict(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut o = [0u8; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 3 || !p.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        if p.len() > 1 && p.starts_with('0') {
            return None;
        }
        o[i] = p.parse().ok()?;
    }
    Some(Ipv4Addr::from(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every syntax error detail has a Spanish text of its own (no English left in `--lang es`),
    /// and the English one is what `detail` holds.
    #[test]
    fn details_read_in_spanish() {
        let rec = parse_record(
            "v=spf1 ip4:192.0.2.300 ip6:zz ip:192.0.2.26 ~al a/99 mx:x.%{z} include: exists \
             redirect=a.example redirect=b.example exp=%{ ptr:example.",
        );
        assert!(rec.errors.len() >= 10, "{:?}", rec.errors);
        let english = [
            "is not",
            "unknown",
            "needs",
            "appears",
            "more than once",
            "invalid",
            "bad ",
            "prefix length",
            "macro letter",
            "domain name",
            "top-level",
        ];
        for e in &rec.errors {
            assert_eq!(e.detail, e.detail_text.render(Lang::En));
            let es = e.detail_text.render(Lang::Es);
            assert_ne!(es, e.detail, "{e:?}");
            assert!(!es.starts_with("spf."), "no Spanish message for {e:?}");
            for w in english {
                assert!(!es.contains(w), "English {w:?} in {es:?} ({e:?})");
            }
        }
    }

    fn kinds(r: &SpfRecord) -> Vec<SyntaxErrorKind> {
        r.errors.iter().map(|e| e.kind.clone()).collect()
    }

    #[test]
    fn every_error_is_reported() {
        let r = parse_record("v=spf1 ip4:192.0.2.300 ip:192.0.2.26 ~al");
        assert_eq!(
            kinds(&r),
            vec![
                SyntaxErrorKind::BadIp4,
                SyntaxErrorKind::UnknownMechanism,
                SyntaxErrorKind::UnknownMechanism
            ]
        );
        assert_eq!(r.errors[0].position, 1);
        assert_eq!(r.errors[2].term, "~al");
    }

    #[test]
    fn good_record() {
        let r = parse_record(
            "v=spf1 mx a:mail.example.com/24//64 ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.example.net ~all",
        );
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.directives.len(), 6);
        assert_eq!(r.local_lookups(), 3);
        assert_eq!(r.all().unwrap().qualifier, Qualifier::SoftFail);
    }

    #[test]
    fn version_detection() {
        assert!(is_spf_record(b"v=spf1"));
        assert!(is_spf_record(b"V=SPF1 -all"));
        assert!(!is_spf_record(b"v=spf10"));
        assert!(!is_spf_record(b"v=spf1-all"));
    }

    #[test]
    fn domain_spec_rules() {
        assert!(parse_domain_spec("example.com").is_ok());
        assert!(parse_domain_spec("example.com.").is_ok());
        assert!(parse_domain_spec("%{d}").is_ok());
        assert!(parse_domain_spec("%{ir}.%{v}._spf.%{d2}").is_ok());
        assert!(parse_domain_spec("foo-bar.com-x").is_ok());
        assert!(parse_domain_spec("1.2.3.4").is_err());
        assert!(parse_domain_spec("example").is_err());
        assert!(parse_domain_spec("example.-bad").is_err());
        assert!(parse_domain_spec("%{z}.example.com").is_err());
        assert!(parse_domain_spec("%{c}.example.com").is_err());
    }

    #[test]
    fn modifiers() {
        let r = parse_record("v=spf1 redirect=a.example.com redirect=b.example.com");
        assert_eq!(kinds(&r), vec![SyntaxErrorKind::DuplicateModifier]);
        let r = parse_record("v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all");
        assert!(r.errors.is_empty());
        let r = parse_record("v=spf1 =novalue -all");
        assert_eq!(kinds(&r), vec![SyntaxErrorKind::BadModifierName]);
    }

    #[test]
    fn cidrs() {
        assert_eq!(parse_cidr("0", 32), Some(0));
        assert_eq!(parse_cidr("32", 32), Some(32));
        assert_eq!(parse_cidr("33", 32), None);
        assert_eq!(parse_cidr("032", 32), None);
        assert_eq!(parse_cidr("128", 128), Some(128));
        let r = parse_record("v=spf1 ip4:1.2.3.4/32//64 a/33 include:x.example/24");
        assert_eq!(r.errors.len(), 3, "{:?}", r.errors);
    }
}
