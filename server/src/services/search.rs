//! One search box for leads, jobs, claims and contractors: by customer name, phone number (any
//! spacing, `04…` or `+61…`), email, claim number, street, suburb, postcode and company name.
//! Scoped as the records are: admins find everything, a partner its own leads and what hangs off
//! them, a contractor its own jobs. Every word must match; newest first.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{claim, contractor, job, lead};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::access::records::{may_read_claim, may_read_lead};
use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::error::{ServiceError, ServiceResult};
use crate::store::search::{self, After, Kind, Scope, Term};

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most words a query may have.
pub const MAX_TERMS: usize = 8;

/// What a search found.
pub enum Hit {
    Lead(lead::Model),
    Job(job::Model),
    Claim(claim::Model),
    Contractor(contractor::Model),
}

/// A number in national form and, when different, as typed: `61 412…` may be a phone number
/// (`0412…`) or an ABN, so both are looked for (`+61 412…` only as a phone).
fn number(typed: &str) -> Term {
    let raw: String = typed.chars().filter(char::is_ascii_digit).collect();
    let national = search::national_digits(typed);
    // `+61…` is a phone number, never an ABN.
    Term::Digits(if national == raw || typed.contains('+') { vec![national] } else { vec![national, raw] })
}

/// The parts of a query: a number typed with spaces, brackets or `+61` is one number; otherwise
/// each word is one term, and a word of six digits or more is a number too.
pub fn parse(query: &str) -> ServiceResult<Vec<Term>> {
    let q = query.trim();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ServiceError::validation("query", format!("a search is at most {MAX_QUERY_CHARS} characters")));
    }
    if q.chars().any(char::is_control) {
        return Err(ServiceError::validation("query", "a search cannot contain control characters"));
    }
    let is_number_char = |c: char| c.is_ascii_digit() || " +()-.".contains(c);
    let digit_count = q.chars().filter(char::is_ascii_digit).count();
    if !q.is_empty() && q.chars().all(is_number_char) && digit_count >= 6 {
        return Ok(vec![number(q)]);
    }
    let mut terms = Vec::new();
    for raw in q.split_whitespace() {
        let word = raw.trim_matches(|c: char| ",;:!?\"'()[]{}".contains(c)).to_lowercase();
        let term = if word.len() >= 6 && word.chars().all(|c| c.is_ascii_digit()) {
            number(&word)
        } else if word.chars().count() >= 3 && word.chars().any(char::is_alphanumeric) {
            // (Punctuation alone has no trigrams to look up: it is not a term.)
            Term::Text(word)
        } else if !word.is_empty() && word.chars().all(char::is_alphanumeric) {
            Term::Word(word)
        } else {
            continue;
        };
        if !terms.contains(&term) {
            terms.push(term);
        }
    }
    if terms.is_empty() {
        return Err(ServiceError::validation("query", "enter a name, number, address or claim to search for"));
    }
    if terms.len() > MAX_TERMS {
        return Err(ServiceError::validation("query", format!("a search has at most {MAX_TERMS} words")));
    }
    Ok(terms)
}

/// Finds what matches every term of `query` among `kinds` (all when empty) that the caller may
/// see, newest first: at most `first` hits after `after`, each with its cursor position, and how
/// many documents the index found (before the records' own rules dropped any), for paging.
pub async fn run(
    ctx: &AppContext,
    meta: &RequestMeta,
    query: &str,
    kinds: &[Kind],
    first: u64,
    after: Option<After>,
) -> ServiceResult<(Vec<(After, Hit)>, usize)> {
    let scope = match crate::access::scope(&meta.principal)? {
        crate::access::Scope::Everything => Scope::Everything,
        crate::access::Scope::Partner(p) => Scope::Partner(p),
        crate::access::Scope::Contractor(c) => Scope::Contractor(c),
    };
    let terms = parse(query)?;
    let docs = search::find(&ctx.db, &terms, kinds, &scope, first, after).await?;
    let found = docs.len();

    let ids = |k: Kind| -> Vec<Uuid> { docs.iter().filter(|d| d.kind == k.as_str()).map(|d| d.entity_id).collect() };
    let jobs: HashMap<Uuid, job::Model> = job::Entity::find()
        .filter(job::Column::Id.is_in(ids(Kind::Job)))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|j| (j.id, j))
        .collect();
    let claims: HashMap<Uuid, claim::Model> = claim::Entity::find()
        .filter(claim::Column::Id.is_in(ids(Kind::Claim)))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let contractors: HashMap<Uuid, contractor::Model> = contractor::Entity::find()
        .filter(contractor::Column::Id.is_in(ids(Kind::Contractor)))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let lead_ids: Vec<Uuid> = docs.iter().filter_map(|d| d.lead_id).collect();
    let leads: HashMap<Uuid, lead::Model> = lead::Entity::find()
        .filter(lead::Column::Id.is_in(lead_ids))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();

    // The index decides what is found; the records' own rules decide again what is shown.
    let p = &meta.principal;
    let mut hits = Vec::with_capacity(docs.len());
    for d in docs {
        let at: After = (d.created_at, d.seq);
        let lead = d.lead_id.and_then(|id| leads.get(&id));
        let hit = match Kind::parse(&d.kind) {
            Some(Kind::Lead) => lead.filter(|l| may_read_lead(p, l)).map(|l| Hit::Lead(l.clone())),
            Some(Kind::Job) => jobs
                .get(&d.entity_id)
                // A job's entry holds its customer's name and phone: only for those who may read
                // the lead now (not the contractor of a job since cancelled).
                .filter(|_| p.is_admin() || lead.is_some_and(|l| may_read_lead(p, l)))
                .map(|j| Hit::Job(j.clone())),
            Some(Kind::Claim) => claims
                .get(&d.entity_id)
                .filter(|c| lead.is_some_and(|l| may_read_claim(p, c, l)))
                .map(|c| Hit::Claim(c.clone())),
            Some(Kind::Contractor) => contractors
                .get(&d.entity_id)
                .filter(|c| p.is_admin() || p.contractor_id() == Some(c.id))
                .map(|c| Hit::Contractor(c.clone())),
            None => None,
        };
        if let Some(h) = hit {
            hits.push((at, h));
        }
    }
    Ok((hits, found))
}

/// A cursor for a position: its time in microseconds and its sequence number.
pub fn encode_position((at, seq): After) -> String {
    use base64::Engine;
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&at.timestamp_micros().to_be_bytes());
    bytes[8..].copy_from_slice(&seq.to_be_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn decode_position(cursor: Option<&str>) -> ServiceResult<Option<After>> {
    use base64::Engine;
    let Some(c) = cursor else { return Ok(None) };
    let bad = || ServiceError::validation("after", "not a valid cursor");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    let bytes: [u8; 16] = bytes.try_into().map_err(|_| bad())?;
    let mut micros = [0u8; 8];
    micros.copy_from_slice(&bytes[..8]);
    let mut seq = [0u8; 8];
    seq.copy_from_slice(&bytes[8..]);
    let at: DateTime<Utc> = DateTime::from_timestamp_micros(i64::from_be_bytes(micros))
        .filter(|t| (1970..=9999).contains(&chrono::Datelike::year(t)))
        .ok_or_else(bad)?;
    Ok(Some((at, i64::from_be_bytes(seq))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_typed_any_way_is_one_term_in_national_form() {
        for q in ["0412 345 678", "+61 412 345 678", "(04) 1234 5678", "+61412345678", " 0412-345-678 "] {
            let forms = match parse(q).unwrap().as_slice() {
                [Term::Digits(f)] => f.clone(),
                other => panic!("{q}: {other:?}"),
            };
            assert_eq!(forms[0], "0412345678", "{q}");
        }
        assert_eq!(parse("345 678").unwrap(), vec![Term::Digits(vec!["345678".into()])], "part of a number");
        // Eleven digits from 61 may be an ABN as well as a phone number: both are looked for.
        assert_eq!(
            parse("61 412 345 678").unwrap(),
            vec![Term::Digits(vec!["0412345678".into(), "61412345678".into()])]
        );
    }

    #[test]
    fn words_are_terms_short_ones_match_word_starts() {
        assert_eq!(
            parse("Smith, Parramatta 2150 NSW").unwrap(),
            vec![
                Term::Text("smith".into()),
                Term::Text("parramatta".into()),
                Term::Text("2150".into()),
                Term::Text("nsw".into())
            ]
        );
        assert_eq!(parse("jo st").unwrap(), vec![Term::Word("jo".into()), Term::Word("st".into())]);
        assert_eq!(parse("HM-2026-0042").unwrap(), vec![Term::Text("hm-2026-0042".into())]);
        assert_eq!(parse("smith 0412345678").unwrap()[1], Term::Digits(vec!["0412345678".into()]));
    }

    #[test]
    fn empty_long_and_symbol_only_queries_are_refused_on_the_query_field() {
        for q in ["", "   ", "% _", "!!"] {
            assert!(matches!(parse(q), Err(ServiceError::Validation { ref field, .. }) if field == "query"), "{q:?}");
        }
        assert!(parse(&"a".repeat(MAX_QUERY_CHARS + 1)).is_err());
        assert!(parse("a b c d e f g h i").is_err(), "nine words");
        assert!(parse("ab\u{0}c").is_err(), "a NUL byte");
        assert!(parse("--- smith").unwrap() == vec![Term::Text("smith".into())], "punctuation alone is no term");
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let at = DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap();
        assert_eq!(decode_position(Some(&encode_position((at, 42)))).unwrap(), Some((at, 42)));
        assert!(decode_position(Some("short")).is_err());
        let far = DateTime::from_timestamp_micros(i64::MAX / 2).unwrap();
        assert!(decode_position(Some(&encode_position((far, 1)))).is_err(), "a year PostgreSQL cannot hold");
        assert_eq!(decode_position(None).unwrap(), None);
    }
}
