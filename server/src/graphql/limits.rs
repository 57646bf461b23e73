//! The query's shape before it is validated:
//! - a document with several operations is cut down to the one the request names (and the
//!   fragments it uses), so the cost and depth limits judge what runs, not every operation a
//!   client keeps in one file (graphql_client sends its whole `.graphql` file each time);
//! - at most `GRAPHQL_MAX_ALIASES` aliased fields (aliases let a client ask for the same
//!   expensive field many times under different names while each copy looks cheap).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Request, ServerError, ServerResult, Variables};

/// See the module docs.
pub struct QueryShape {
    pub max_aliases: usize,
}

impl ExtensionFactory for QueryShape {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(QueryShapeCheck { max_aliases: self.max_aliases, operation: Mutex::new(None) })
    }
}

/// One request's check (a new one per request).
struct QueryShapeCheck {
    max_aliases: usize,
    operation: Mutex<Option<String>>,
}

fn spreads(set: &SelectionSet, out: &mut Vec<Name>) {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => spreads(&f.node.selection_set.node, out),
            Selection::InlineFragment(i) => spreads(&i.node.selection_set.node, out),
            Selection::FragmentSpread(s) => out.push(s.node.fragment_name.node.clone()),
        }
    }
}

/// Keeps only the named operation and the fragments it reaches.
pub fn only_operation(doc: &mut ExecutableDocument, name: &str) {
    let DocumentOperations::Multiple(ops) = &mut doc.operations else { return };
    let Some((key, op)) = ops.remove_entry(&Name::new(name)) else { return };
    let mut pending = Vec::new();
    spreads(&op.node.selection_set.node, &mut pending);
    let mut used = HashSet::new();
    while let Some(f) = pending.pop() {
        if used.insert(f.clone())
            && let Some(def) = doc.fragments.get(&f)
        {
            spreads(&def.node.selection_set.node, &mut pending);
        }
    }
    doc.fragments.retain(|k, _| used.contains(k));
    doc.operations = DocumentOperations::Multiple(HashMap::from([(key, op)]));
}

/// Aliases under `set`, with every fragment spread counted where it is spread (a fragment used
/// ten times counts ten times). `budget` bounds the walk, so a document built to explode (or a
/// cyclic one, which validation refuses later) costs a bounded amount of work here.
fn aliases(set: &SelectionSet, doc: &ExecutableDocument, budget: &mut usize, depth: usize) -> usize {
    if depth > 64 {
        return usize::MAX;
    }
    let mut n = 0usize;
    for item in &set.items {
        if *budget == 0 {
            return usize::MAX;
        }
        *budget -= 1;
        let below = match &item.node {
            Selection::Field(f) => usize::from(f.node.alias.is_some()).saturating_add(aliases(
                &f.node.selection_set.node,
                doc,
                budget,
                depth + 1,
            )),
            Selection::InlineFragment(i) => aliases(&i.node.selection_set.node, doc, budget, depth + 1),
            Selection::FragmentSpread(s) => match doc.fragments.get(&s.node.fragment_name.node) {
                Some(f) => aliases(&f.node.selection_set.node, doc, budget, depth + 1),
                None => 0,
            },
        };
        n = n.saturating_add(below);
    }
    n
}

/// Aliases in the document's operations, fragments expanded where they are spread.
pub fn count_aliases(doc: &ExecutableDocument) -> usize {
    let mut budget = 100_000;
    match &doc.operations {
        DocumentOperations::Single(op) => aliases(&op.node.selection_set.node, doc, &mut budget, 0),
        DocumentOperations::Multiple(ops) => ops
            .values()
            .fold(0usize, |n, op| n.saturating_add(aliases(&op.node.selection_set.node, doc, &mut budget, 0))),
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for QueryShapeCheck {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Ok(mut op) = self.operation.lock() {
            op.clone_from(&request.operation_name);
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let mut doc = next.run(ctx, query, variables).await?;
        let operation = self.operation.lock().ok().and_then(|o| o.clone());
        if let Some(name) = operation {
            only_operation(&mut doc, &name);
        }
        let n = count_aliases(&doc);
        if n > self.max_aliases {
            let message = if n == usize::MAX {
                format!("a query may use at most {} aliases (its fragments nest too deep to count)", self.max_aliases)
            } else {
                format!("a query may use at most {} aliases (this one uses {n})", self.max_aliases)
            };
            let mut err = ServerError::new(message, None);
            err.extensions.get_or_insert_with(Default::default).set("code", "BAD_USER_INPUT");
            return Err(err);
        }
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_counted_in_operations_fragments_and_inline_fragments() {
        let doc = async_graphql::parser::parse_query(
            "query { a: me { id } b: me { x: id } ... on Query { c: me { id } } ...F } fragment F on Query { d: me { id } }",
        )
        .unwrap();
        assert_eq!(count_aliases(&doc), 5);
        assert_eq!(count_aliases(&async_graphql::parser::parse_query("{ me { id } }").unwrap()), 0);
        // A fragment counts where it is spread: one alias, spread three times.
        let spread = async_graphql::parser::parse_query(
            "{ a: me { ...F } b: me { ...F } c: me { ...F } } fragment F on User { x: id }",
        )
        .unwrap();
        assert_eq!(count_aliases(&spread), 6);
        // A cycle (refused by validation later) costs a bounded walk, and counts as too many.
        let cycle = async_graphql::parser::parse_query(
            "{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }",
        )
        .unwrap();
        assert_eq!(count_aliases(&cycle), usize::MAX);
    }

    #[test]
    fn a_document_is_cut_down_to_the_operation_that_runs_and_its_fragments() {
        let mut doc = async_graphql::parser::parse_query(
            "query A { me { ...F } } query B { x: me { ...G } } fragment F on User { id ...H } \
             fragment H on User { email } fragment G on User { role }",
        )
        .unwrap();
        only_operation(&mut doc, "A");
        let DocumentOperations::Multiple(ops) = &doc.operations else { panic!("still named") };
        assert_eq!(ops.keys().map(|k| k.as_str()).collect::<Vec<_>>(), vec!["A"]);
        let mut kept: Vec<_> = doc.fragments.keys().map(|k| k.to_string()).collect();
        kept.sort();
        assert_eq!(kept, vec!["F", "H"]);
        assert_eq!(count_aliases(&doc), 0, "B's alias no longer counts");
        let before = doc.clone();
        only_operation(&mut doc, "Nope");
        assert_eq!(
            format!("{:?}", doc.operations),
            format!("{:?}", before.operations),
            "an unknown name is left to the executor"
        );
    }
}
