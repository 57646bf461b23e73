//! What each notification says, in Australian English: a plain-text body (SMS, push, email) and
//! an HTML alternative for email. Dates and times are on the property's clock. Offers and
//! alerts name the suburb, damage, urgency, value and deadline, never the customer: a customer's
//! name, phone or address appears only in messages to the company that has won the lead.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entities::{DamageType, JobStatus, lead};

/// A message ready to go on any channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// `water`, `fire`, `mould`, `storm`.
pub fn damage(d: DamageType) -> &'static str {
    match d {
        DamageType::Water => "water",
        DamageType::Fire => "fire",
        DamageType::Mould => "mould",
        DamageType::Storm => "storm",
    }
}

/// `12,500` from 12500: thousands grouped as Australians write them.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `$1,234.56` from 123456 cents, exact.
pub fn aud_exact(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}${}.{:02}", grouped(abs / 100), abs % 100)
}

/// `3:05 pm Mon 7 Dec`, on this clock.
pub fn when(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone).format("%-I:%M %P %a %-d %b").to_string()
}

/// An address shown to someone who may not be its owner: `t•••@example.com`, `•••• ••• 678`.
pub fn masked(channel: entities::NotificationChannel, d: &str) -> String {
    match channel {
        entities::NotificationChannel::Email => match d.split_once('@') {
            Some((user, domain)) => format!("{}•••@{domain}", user.chars().next().unwrap_or('•')),
            None => "your email".into(),
        },
        _ => {
            let digits: Vec<char> = d.chars().filter(char::is_ascii_digit).collect();
            let tail: String = digits.iter().rev().take(3).rev().collect();
            format!("•••• ••• {tail}")
        }
    }
}

/// Text made safe inside HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An email's HTML: the paragraphs, each link a button-like anchor, and the opt-out line.
fn html(paragraphs: &[String], link: Option<(&str, &str)>, stop: Option<&str>) -> String {
    let mut body = String::from(
        "<!doctype html><html lang=\"en-AU\"><body style=\"font-family:system-ui,sans-serif;line-height:1.5;\
         color:#1a1a1a;max-width:36em;margin:0 auto;padding:1em\">",
    );
    for p in paragraphs {
        body.push_str(&format!("<p>{}</p>", escape(p)));
    }
    if let Some((label, url)) = link {
        body.push_str(&format!(
            "<p><a href=\"{}\" style=\"display:inline-block;padding:.6em 1.2em;background:#0b5cab;color:#fff;\
             border-radius:.3em;text-decoration:none\">{}</a></p>",
            escape(url),
            escape(label)
        ));
    }
    body.push_str("<p style=\"color:#555;font-size:.9em\">National Recovery Partners</p>");
    if let Some(url) = stop {
        body.push_str(&format!(
            "<p style=\"color:#555;font-size:.8em\">Don't want these messages? <a href=\"{}\">Unsubscribe</a>.</p>",
            escape(url)
        ));
    }
    body.push_str("</body></html>");
    body
}

/// The company that will look after the customer, as the customer meets it.
pub struct Company<'a> {
    pub name: &'a str,
    pub phone: &'a str,
}

/// To the customer, once a company has the job: who will call, and by when.
pub fn customer_assigned(
    l: &lead::Model,
    c: &Company<'_>,
    contact_by: DateTime<Utc>,
    zone: Tz,
    stop: &str,
) -> Rendered {
    let by = when(contact_by, zone);
    let lead_in = format!(
        "Hi {}, {} will contact you about the {} damage at {} by {by}.",
        first_name(&l.customer_name),
        c.name,
        damage(l.damage_type),
        l.suburb
    );
    let call = format!("Their number is {}.", c.phone);
    Rendered {
        subject: format!("{} will contact you about your {} damage", c.name, damage(l.damage_type)),
        text: format!("National Recovery Partners: {lead_in} {call} Opt out: {stop}"),
        html: Some(html(&[lead_in, call], None, Some(stop))),
    }
}

/// To the customer, at the stages a customer cares about; `None` for the others. A completed
/// job's message asks for a rating.
pub fn customer_stage(
    l: &lead::Model,
    c: &Company<'_>,
    stage: JobStatus,
    scheduled_for: Option<DateTime<Utc>>,
    zone: Tz,
    rate: Option<&str>,
    stop: &str,
) -> Option<Rendered> {
    let (subject, said, link) = match stage {
        JobStatus::Contacted => match scheduled_for {
            Some(at) => (
                "Your inspection is booked".to_string(),
                format!("{} has booked your inspection at {} for {}.", c.name, l.suburb, when(at, zone)),
                None,
            ),
            None => (
                format!("{} has been in touch", c.name),
                format!("{} has been in touch about the {} damage at {}.", c.name, damage(l.damage_type), l.suburb),
                None,
            ),
        },
        JobStatus::InProgress => (
            "Work has started".to_string(),
            format!("{} has started the work at {}. Questions? Call them on {}.", c.name, l.suburb, c.phone),
            None,
        ),
        JobStatus::Completed => (
            format!("How did {} do?", c.name),
            format!("{} has finished the work at {}. How did they do? Rate them from 1 to 5.", c.name, l.suburb),
            rate,
        ),
        _ => return None,
    };
    let text = match link {
        Some(url) => format!("National Recovery Partners: {said} {url} Opt out: {stop}"),
        None => format!("National Recovery Partners: {said} Opt out: {stop}"),
    };
    Some(Rendered { subject, text, html: Some(html(&[said], link.map(|u| ("Rate the work", u)), Some(stop))) })
}

/// Account emails: the templates that carry a single-use secret (its body is not kept once sent,
/// and it is never sent again from the log) and those that go to a login's address whether or
/// not the address has been proven (they are how it is proven, or about the account itself).
pub const ACCOUNT_RESET: &str = "account.reset";
pub const ACCOUNT_VERIFY: &str = "account.verify";
pub const ACCOUNT_INVITE: &str = "account.invite";
pub const ACCOUNT_SIGNUP_EXISTS: &str = "account.signup_exists";
pub const ACCOUNT_PASSWORD_CHANGED: &str = "account.password_changed";
pub const ACCOUNT_SECOND_FACTOR: &str = "account.second_factor";
pub const ACCOUNT_EMAIL_CHANGED: &str = "account.email_changed";
pub const ACCOUNT_SIGNUP_ABN_TAKEN: &str = "account.signup_abn_taken";

/// Whether a template's message carries a secret (a one-time code or a single-use link).
pub fn carries_secret(template: &str) -> bool {
    matches!(template, super::settings::CODE_TEMPLATE | ACCOUNT_RESET | ACCOUNT_VERIFY | ACCOUNT_INVITE)
}

/// Whether a template is about the login itself, sent to its address proven or not.
pub fn about_the_account(template: &str) -> bool {
    template.starts_with("account.")
}

/// A link to set a new password.
pub fn account_reset(link: &str, minutes: i64) -> Rendered {
    let said = format!(
        "Someone (we hope you) asked to reset the password of your National Recovery Partners login. \
         The link below works once, for {minutes} minutes."
    );
    let ignore = "If it wasn't you, ignore this email: your password stays as it is.".to_string();
    Rendered {
        subject: "Reset your NRP password".into(),
        text: format!("{said}\n\n{link}\n\n{ignore}\n\nNational Recovery Partners"),
        html: Some(html(&[said, ignore], Some(("Choose a new password", link)), None)),
    }
}

/// A link that proves the login's email address.
pub fn account_verify(link: &str, hours: i64) -> Rendered {
    let said = format!(
        "Please confirm this is your email address, so NRP can verify your company and reach you about \
         work. The link works once, for {hours} hours."
    );
    let ignore = "If you didn't sign up with National Recovery Partners, ignore this email.".to_string();
    Rendered {
        subject: "Confirm your email for NRP".into(),
        text: format!("{said}\n\n{link}\n\n{ignore}\n\nNational Recovery Partners"),
        html: Some(html(&[said, ignore], Some(("Confirm my email", link)), None)),
    }
}

/// To the owner of an address someone tried to sign up with again.
pub fn account_signup_exists(reset_page: &str) -> Rendered {
    let said = "Someone tried to sign up for National Recovery Partners with this email address, which \
                already has a login. No new account was made."
        .to_string();
    let hint = "If it was you and you've forgotten your password, you can reset it.".to_string();
    let ignore = "If it wasn't you, you can ignore this email.".to_string();
    Rendered {
        subject: "Someone tried to sign up with your email".into(),
        text: format!("{said}\n\n{hint} {reset_page}\n\n{ignore}\n\nNational Recovery Partners"),
        html: Some(html(&[said, hint, ignore], Some(("Reset my password", reset_page)), None)),
    }
}

/// After the password changed, to the login's address.
pub fn account_password_changed(how: &str) -> Rendered {
    let said = format!(
        "The password of your National Recovery Partners login was {how}, and your other sessions were signed out."
    );
    let warn = "If this wasn't you, reset your password now and tell NRP.".to_string();
    Rendered {
        subject: "Your NRP password was changed".into(),
        text: format!("{said}\n\n{warn}\n\nNational Recovery Partners"),
        html: Some(html(&[said, warn], None, None)),
    }
}

/// An invitation to a company's staff login.
pub fn account_invite(company: &str, inviter: &str, link: &str, days: i64) -> Rendered {
    let said = format!(
        "{inviter} has invited you to {company}'s National Recovery Partners account, where you'll get job \
         offers and work jobs. Choose your password with the link below; it works once, for {days} days."
    );
    let ignore = "Not expecting this? Ignore this email and no login is made for you.".to_string();
    Rendered {
        subject: format!("You're invited to {company} on NRP"),
        text: format!("{said}\n\n{link}\n\n{ignore}\n\nNational Recovery Partners"),
        html: Some(html(&[said, ignore], Some(("Choose my password", link)), None)),
    }
}

/// To an address someone signed up with, for a company whose ABN NRP already has.
pub fn account_signup_abn_taken(abn: &str) -> Rendered {
    let said = format!(
        "Someone signed up for National Recovery Partners with this email address and the ABN {abn}, which \
         already has an NRP account. No new account was made."
    );
    let hint = "If you work for that company, ask its owner to invite you; if the ABN is yours and you \
                did not register it, tell NRP."
        .to_string();
    Rendered {
        subject: "That ABN already has an NRP account".into(),
        text: format!("{said}\n\n{hint}\n\nNational Recovery Partners"),
        html: Some(html(&[said, hint], None, None)),
    }
}

/// To the old address, once the login moved to a new one.
pub fn account_email_changed(new: &str) -> Rendered {
    let said =
        format!("Your National Recovery Partners login now uses {new}; this address gets nothing more about it.");
    let warn = "If this wasn't you, tell NRP at once.".to_string();
    Rendered {
        subject: "Your NRP login email was changed".into(),
        text: format!("{said}\n\n{warn}\n\nNational Recovery Partners"),
        html: Some(html(&[said, warn], None, None)),
    }
}

/// After the second factor was turned on, off, or reset by NRP.
pub fn account_second_factor(what: &str) -> Rendered {
    let said = format!("The second factor (authenticator app) of your National Recovery Partners login was {what}.");
    let warn = "If this wasn't you or NRP at your request, reset your password now and tell NRP.".to_string();
    Rendered {
        subject: format!("Your NRP second factor was {what}"),
        text: format!("{said}\n\n{warn}\n\nNational Recovery Partners"),
        html: Some(html(&[said, warn], None, None)),
    }
}

/// The first word of a name, for a greeting (never the whole name in a text).
fn first_name(full: &str) -> &str {
    full.split_whitespace().next().unwrap_or("there")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_on_the_propertys_clock_and_html_is_escaped() {
        let t = DateTime::parse_from_rfc3339("2026-12-06T22:05:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(when(t, chrono_tz::Australia::Sydney), "9:05 am Mon 7 Dec");
        assert_eq!(when(t, chrono_tz::Australia::Perth), "6:05 am Mon 7 Dec");
        assert_eq!(aud_exact(123_456_789), "$1,234,567.89");
        assert_eq!(aud_exact(5), "$0.05");
        assert_eq!(escape("<b>\"Tom & Jo's\"</b>"), "&lt;b&gt;&quot;Tom &amp; Jo&#39;s&quot;&lt;/b&gt;");
    }
}
