//! The search index: a document per lead, job, claim and contractor, written in the same
//! transaction as the row it describes, and the query that finds them.
//!
//! A document's `body` is the lower-case text people search by; `digits` holds its phone numbers
//! in national form (`0412345678`) and, for a contractor, its ABN, so a number matches however it
//! was typed. PostgreSQL finds parts of words and numbers with trigram indexes and short words
//! with the `tsvector`; SQLite with its FTS5 trigram table (`search_fts`, keyed by `seq`).

use chrono::{DateTime, Utc};
use entities::{claim, contractor, job, lead, search_document as doc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement, TransactionTrait,
};
use uuid::Uuid;

use super::like_escape;

/// What a document is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Lead,
    Job,
    Claim,
    Contractor,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Lead => "LEAD",
            Kind::Job => "JOB",
            Kind::Claim => "CLAIM",
            Kind::Contractor => "CONTRACTOR",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Lead, Kind::Job, Kind::Claim, Kind::Contractor].into_iter().find(|k| k.as_str() == s)
    }
}

/// A document before it is written.
#[derive(Clone, Debug, PartialEq)]
pub struct Doc {
    pub kind: Kind,
    pub entity_id: Uuid,
    pub lead_id: Option<Uuid>,
    pub insurer_id: Option<Uuid>,
    pub source_partner_id: Option<Uuid>,
    pub contractor_id: Option<Uuid>,
    pub body: String,
    pub digits: String,
    pub created_at: DateTime<Utc>,
}

/// `+61412345678` → `0412345678`; other forms as their digits.
pub fn national_digits(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix("61") {
        Some(rest) if phone.trim_start().starts_with('+') || digits.len() == 11 => format!("0{rest}"),
        _ => digits,
    }
}

fn words(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&p.to_lowercase());
    }
    out
}

fn lead_words(l: &lead::Model) -> String {
    words(&[
        &l.customer_name,
        l.customer_email.as_deref().unwrap_or_default(),
        &l.address,
        &l.suburb,
        &l.state,
        &l.postcode,
        l.claim_number.as_deref().unwrap_or_default(),
    ])
}

pub fn lead_doc(l: &lead::Model) -> Doc {
    Doc {
        kind: Kind::Lead,
        entity_id: l.id,
        lead_id: Some(l.id),
        insurer_id: l.insurer_id,
        source_partner_id: l.source_partner_id,
        contractor_id: None,
        body: lead_words(l),
        digits: national_digits(&l.customer_phone),
        created_at: l.created_at,
    }
}

/// A job is found by its lead's customer and property and by the company working it.
pub fn job_doc(j: &job::Model, l: &lead::Model, company: Option<&str>) -> Doc {
    Doc {
        kind: Kind::Job,
        entity_id: j.id,
        lead_id: Some(l.id),
        insurer_id: l.insurer_id,
        source_partner_id: l.source_partner_id,
        contractor_id: Some(j.contractor_id),
        body: words(&[&lead_words(l), company.unwrap_or_default()]),
        digits: national_digits(&l.customer_phone),
        created_at: j.created_at,
    }
}

/// A claim is found by its number and by its lead's customer and property.
pub fn claim_doc(c: &claim::Model, l: &lead::Model) -> Doc {
    Doc {
        kind: Kind::Claim,
        entity_id: c.id,
        lead_id: Some(l.id),
        insurer_id: Some(c.insurer_id),
        source_partner_id: l.source_partner_id,
        contractor_id: None,
        body: words(&[&c.claim_number, &lead_words(l)]),
        digits: national_digits(&l.customer_phone),
        created_at: c.created_at,
    }
}

pub fn contractor_doc(c: &contractor::Model) -> Doc {
    let abn: String = c.abn.chars().filter(char::is_ascii_digit).collect();
    Doc {
        kind: Kind::Contractor,
        entity_id: c.id,
        lead_id: None,
        insurer_id: None,
        source_partner_id: None,
        contractor_id: Some(c.id),
        body: words(&[&c.company_name, &c.contact_name, &c.email, &c.base_postcode]),
        digits: format!("{} {abn}", national_digits(&c.phone)),
        created_at: c.created_at,
    }
}

/// Writes (or rewrites) a document.
pub async fn put(db: &impl ConnectionTrait, d: Doc) -> Result<(), DbErr> {
    let am = doc::ActiveModel {
        kind: Set(d.kind.as_str().to_string()),
        entity_id: Set(d.entity_id),
        lead_id: Set(d.lead_id),
        insurer_id: Set(d.insurer_id),
        source_partner_id: Set(d.source_partner_id),
        contractor_id: Set(d.contractor_id),
        body: Set(d.body.clone()),
        digits: Set(d.digits.clone()),
        created_at: Set(d.created_at),
        ..Default::default()
    };
    let on_conflict = OnConflict::columns([doc::Column::Kind, doc::Column::EntityId])
        .update_columns([
            doc::Column::LeadId,
            doc::Column::InsurerId,
            doc::Column::SourcePartnerId,
            doc::Column::ContractorId,
            doc::Column::Body,
            doc::Column::Digits,
        ])
        .to_owned();
    doc::Entity::insert(am).on_conflict(on_conflict).exec_without_returning(db).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        let seq = doc::Entity::find()
            .filter(doc::Column::Kind.eq(d.kind.as_str()))
            .filter(doc::Column::EntityId.eq(d.entity_id))
            .select_only()
            .column(doc::Column::Seq)
            .into_tuple::<i64>()
            .one(db)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("the search document just written".into()))?;
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "DELETE FROM search_fts WHERE rowid = ?",
            [seq.into()],
        ))
        .await?;
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO search_fts (rowid, body, digits) VALUES (?, ?, ?)",
            [seq.into(), d.body.into(), d.digits.into()],
        ))
        .await?;
    }
    Ok(())
}

pub async fn index_lead(db: &impl ConnectionTrait, l: &lead::Model) -> Result<(), DbErr> {
    put(db, lead_doc(l)).await
}

pub async fn index_job(db: &impl ConnectionTrait, j: &job::Model) -> Result<(), DbErr> {
    let Some(l) = lead::Entity::find_by_id(j.lead_id).one(db).await? else { return Ok(()) };
    let company = contractor::Entity::find_by_id(j.contractor_id).one(db).await?.map(|c| c.company_name);
    put(db, job_doc(j, &l, company.as_deref())).await
}

pub async fn index_claim(db: &impl ConnectionTrait, c: &claim::Model) -> Result<(), DbErr> {
    let Some(l) = lead::Entity::find_by_id(c.lead_id).one(db).await? else { return Ok(()) };
    put(db, claim_doc(c, &l)).await
}

/// A contractor's document; when its name or contact changed, its jobs' documents too.
pub async fn index_contractor(db: &impl ConnectionTrait, c: &contractor::Model) -> Result<(), DbErr> {
    let new = contractor_doc(c);
    let old = doc::Entity::find()
        .filter(doc::Column::Kind.eq(Kind::Contractor.as_str()))
        .filter(doc::Column::EntityId.eq(c.id))
        .one(db)
        .await?;
    // Its jobs carry the company's name: write them again when the contractor's text changed.
    let changed = old.is_some_and(|o| o.body != new.body);
    put(db, new).await?;
    if changed {
        let jobs = job::Entity::find().filter(job::Column::ContractorId.eq(c.id)).all(db).await?;
        for j in jobs {
            if let Some(l) = lead::Entity::find_by_id(j.lead_id).one(db).await? {
                put(db, job_doc(&j, &l, Some(&c.company_name))).await?;
            }
        }
    }
    Ok(())
}

/// Whether the index holds nothing (a database from before it existed).
pub async fn is_empty(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(doc::Entity::find().select_only().column(doc::Column::Seq).into_tuple::<i64>().one(db).await?.is_none())
}

/// Fills an empty index from the rows (a database from before search existed); returns how
/// many documents were written.
pub async fn fill_if_empty(db: &DatabaseConnection) -> Result<u64, DbErr> {
    if !is_empty(db).await? {
        return Ok(0);
    }
    rebuild(db, 500).await
}

/// Writes every document again from the rows themselves, `batch` rows at a time; returns how
/// many were written. Safe to run beside live traffic and on several instances at once (each
/// write replaces the document whole).
pub async fn rebuild(db: &DatabaseConnection, batch: u64) -> Result<u64, DbErr> {
    let mut written = 0u64;
    let mut after: Option<Uuid> = None;
    loop {
        let mut q = lead::Entity::find().order_by_asc(lead::Column::Id).limit(batch);
        if let Some(a) = after {
            q = q.filter(lead::Column::Id.gt(a));
        }
        let leads = q.all(db).await?;
        let Some(last) = leads.last().map(|l| l.id) else { break };
        let ids: Vec<Uuid> = leads.iter().map(|l| l.id).collect();
        let jobs = job::Entity::find().filter(job::Column::LeadId.is_in(ids.clone())).all(db).await?;
        let claims = claim::Entity::find().filter(claim::Column::LeadId.is_in(ids)).all(db).await?;
        let contractor_ids: Vec<Uuid> = jobs.iter().map(|j| j.contractor_id).collect();
        let companies: std::collections::HashMap<Uuid, String> = contractor::Entity::find()
            .filter(contractor::Column::Id.is_in(contractor_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.company_name))
            .collect();
        let by_id: std::collections::HashMap<Uuid, &lead::Model> = leads.iter().map(|l| (l.id, l)).collect();
        let txn = db.begin().await?;
        let db = &txn;
        for l in &leads {
            put(db, lead_doc(l)).await?;
            written += 1;
        }
        for j in &jobs {
            if let Some(l) = by_id.get(&j.lead_id) {
                put(db, job_doc(j, l, companies.get(&j.contractor_id).map(String::as_str))).await?;
                written += 1;
            }
        }
        for c in &claims {
            if let Some(l) = by_id.get(&c.lead_id) {
                put(db, claim_doc(c, l)).await?;
                written += 1;
            }
        }
        txn.commit().await?;
        after = Some(last);
    }
    let mut after: Option<Uuid> = None;
    loop {
        let mut q = contractor::Entity::find().order_by_asc(contractor::Column::Id).limit(batch);
        if let Some(a) = after {
            q = q.filter(contractor::Column::Id.gt(a));
        }
        let list = q.all(db).await?;
        let Some(last) = list.last().map(|c| c.id) else { break };
        let txn = db.begin().await?;
        for c in &list {
            put(&txn, contractor_doc(c)).await?;
            written += 1;
        }
        txn.commit().await?;
        after = Some(last);
    }
    Ok(written)
}

/// One part of a search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    /// A phone number or ABN, or part of one: its digits as typed, and in national form when
    /// that differs (`61412…` → `0412…`); either matches.
    Digits(Vec<String>),
    /// Three characters or more: found anywhere in the text.
    Text(String),
    /// One or two letters or digits: the start of a word.
    Word(String),
}

/// Who may find what.
pub enum Scope {
    Everything,
    /// A partner: the leads, jobs and claims of its own leads (as insurer or source).
    Partner(Uuid),
    /// A contractor company: its own jobs.
    Contractor(Uuid),
}

/// Where to continue after: (created_at, seq) of the last document of the page before.
pub type After = (DateTime<Utc>, i64);

/// A custom condition with one value: `?` in `sql` is its placeholder (PostgreSQL's `$1`).
fn cust(pg: bool, sql: &'static str, value: String) -> Expr {
    if pg { Expr::cust_with_values(sql.replacen('?', "$1", 1), [value]) } else { Expr::cust_with_values(sql, [value]) }
}

/// The documents matching every term, newest first, at most `first`.
pub async fn find(
    db: &impl ConnectionTrait,
    terms: &[Term],
    kinds: &[Kind],
    scope: &Scope,
    first: u64,
    after: Option<After>,
) -> Result<Vec<doc::Model>, DbErr> {
    let pg = db.get_database_backend() == DbBackend::Postgres;
    let mut cond = Condition::all();
    if !kinds.is_empty() {
        cond = cond.add(doc::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())));
    }
    match scope {
        Scope::Everything => {}
        Scope::Partner(p) => {
            cond = cond
                .add(doc::Column::Kind.ne(Kind::Contractor.as_str()))
                .add(Condition::any().add(doc::Column::InsurerId.eq(*p)).add(doc::Column::SourcePartnerId.eq(*p)));
        }
        Scope::Contractor(c) => {
            cond = cond.add(doc::Column::Kind.eq(Kind::Job.as_str())).add(doc::Column::ContractorId.eq(*c));
        }
    }
    if pg {
        for t in terms {
            cond = cond.add(match t {
                // A number may be a phone or ABN (digits) or in the text (a claim number, a street).
                Term::Digits(forms) => forms.iter().fold(Condition::any(), |c, d| {
                    let pattern = format!("%{}%", like_escape(d));
                    c.add(cust(pg, "digits LIKE ?", pattern.clone())).add(cust(pg, "body LIKE ?", pattern))
                }),
                Term::Text(s) if s.bytes().all(|b| b.is_ascii_digit()) => {
                    let pattern = format!("%{}%", like_escape(s));
                    Condition::any().add(cust(pg, "body LIKE ?", pattern.clone())).add(cust(
                        pg,
                        "digits LIKE ?",
                        pattern,
                    ))
                }
                Term::Text(s) => cust(pg, "body LIKE ?", format!("%{}%", like_escape(s))).into(),
                Term::Word(w) => cust(pg, "words @@ to_tsquery('simple', ?)", format!("{w}:*")).into(),
            });
        }
    } else {
        // One FTS5 query for the parts the trigram table answers; short words by LIKE.
        let fts: Vec<String> = terms
            .iter()
            .filter_map(|t| match t {
                Term::Digits(forms) => Some(format!(
                    "({})",
                    forms
                        .iter()
                        .map(|d| format!("digits : \"{d}\" OR body : \"{d}\""))
                        .collect::<Vec<_>>()
                        .join(" OR ")
                )),
                Term::Text(s) if s.bytes().all(|b| b.is_ascii_digit()) => {
                    Some(format!("(body : \"{s}\" OR digits : \"{s}\")"))
                }
                Term::Text(s) => Some(format!("body : \"{}\"", s.replace('"', "\"\""))),
                Term::Word(_) => None,
            })
            .collect();
        if !fts.is_empty() {
            cond =
                cond.add(cust(pg, "seq IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)", fts.join(" AND ")));
        }
        for t in terms {
            if let Term::Word(w) = t {
                cond = cond.add(cust(pg, "(' ' || body) LIKE ? ESCAPE '\\'", format!("% {}%", like_escape(w))));
            }
        }
    }
    if let Some((at, seq)) = after {
        cond = cond.add(
            Condition::any()
                .add(doc::Column::CreatedAt.lt(at))
                .add(Condition::all().add(doc::Column::CreatedAt.eq(at)).add(doc::Column::Seq.lt(seq))),
        );
    }
    doc::Entity::find()
        .filter(cond)
        .order_by_desc(doc::Column::CreatedAt)
        .order_by_desc(doc::Column::Seq)
        .limit(first)
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_become_national_digits_however_written() {
        for typed in ["+61412345678", "+61 412 345 678", "0412 345 678", "61412345678", "(04) 1234-5678"] {
            assert_eq!(national_digits(typed), "0412345678", "{typed}");
        }
        assert_eq!(national_digits("345 678"), "345678");
    }

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(like_escape("50%_off\\"), "50\\%\\_off\\\\");
    }
}
