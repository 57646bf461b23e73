use async_graphql::{Enum, Union};

use super::claim::Claim;
use super::contractor::Contractor;
use super::job::Job;
use super::lead::Lead;
use crate::services::search::Hit;
use crate::store::search::Kind;

/// What `search` can find.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum SearchKind {
    Lead,
    Job,
    Claim,
    Contractor,
}

impl From<SearchKind> for Kind {
    fn from(k: SearchKind) -> Self {
        match k {
            SearchKind::Lead => Kind::Lead,
            SearchKind::Job => Kind::Job,
            SearchKind::Claim => Kind::Claim,
            SearchKind::Contractor => Kind::Contractor,
        }
    }
}

/// One thing a search found; ask for its fields with `... on Lead { … }` and so on.
#[derive(Union)]
pub enum SearchResult {
    Lead(Lead),
    Job(Job),
    Claim(Claim),
    Contractor(Contractor),
}

impl From<Hit> for SearchResult {
    fn from(h: Hit) -> Self {
        match h {
            Hit::Lead(l) => SearchResult::Lead(Lead(l)),
            Hit::Job(j) => SearchResult::Job(Job(j)),
            Hit::Claim(c) => SearchResult::Claim(Claim(c)),
            Hit::Contractor(c) => SearchResult::Contractor(Contractor(c)),
        }
    }
}
