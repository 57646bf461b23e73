//! Query-shape limits beyond depth and complexity: at most `GRAPHQL_MAX_ALIASES` aliased fields
//! in one document (aliases let a client ask for the same expensive field many times under
//! different names while each copy looks cheap).

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};

/// Refuses documents with more aliases than `max`.
pub struct AliasLimit {
    pub max: usize,
}

impl ExtensionFactory for AliasLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AliasLimit { max: self.max })
    }
}

fn aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(f) => usize::from(f.node.alias.is_some()) + aliases(&f.node.selection_set.node),
            Selection::InlineFragment(i) => aliases(&i.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Aliases in every operation and fragment of a document.
pub fn count_aliases(doc: &ExecutableDocument) -> usize {
    let in_operations: usize = match &doc.operations {
        DocumentOperations::Single(op) => aliases(&op.node.selection_set.node),
        DocumentOperations::Multiple(ops) => ops.values().map(|op| aliases(&op.node.selection_set.node)).sum(),
    };
    in_operations + doc.fragments.values().map(|f| aliases(&f.node.selection_set.node)).sum::<usize>()
}

#[async_graphql::async_trait::async_trait]
impl Extension for AliasLimit {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let n = count_aliases(&doc);
        if n > self.max {
            let mut err =
                ServerError::new(format!("a query may use at most {} aliases (this one uses {n})", self.max), None);
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
    }
}
