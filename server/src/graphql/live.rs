//! Subscriptions that cost little while they wait.
//!
//! async-graphql keeps a subscription's whole execution alive between events: the parsed
//! operation, the variables, the merged field streams and the resolver's state, about 9 KB for
//! an idle `leadOffers` with one socket per contractor. [`Sockets`] runs a subscription in two
//! parts instead. Its first execution resolves the initial events as usual, and the resolver
//! hands the live part of its stream over ([`hand_off`]) rather than returning it; the
//! execution then ends. While the subscription waits, only the operation's text, its variables
//! and that live stream are kept. Each event the live stream yields runs the same operation
//! again with the event attached ([`replayed`]), so every event is resolved, validated and
//! limited exactly as a plain execution would be.
//!
//! Only an operation with one root field and no directives on it is split: with several root
//! fields the events of each would have to be told apart, and such an operation simply runs
//! the ordinary way. Queries and mutations sent over a socket run the ordinary way too.

use std::sync::{Arc, Mutex};

use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use async_graphql::{Context, Data, Executor, Request, Response, Variables};
use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use sea_orm::DatabaseConnection;

use super::{AppSchema, request_loaders};

/// Attaches one event to the execution that resolves it.
type Attach = Box<dyn FnOnce(Request) -> Request + Send>;

/// Where a resolver leaves the live part of its stream during a split subscription's first
/// execution.
#[derive(Default)]
struct Handoff(Mutex<Option<BoxStream<'static, Attach>>>);

/// The event an execution after the first is to resolve.
struct Replayed<T>(Mutex<Option<T>>);

/// The event this execution replays, if it is one of a split subscription's later executions.
/// A resolver given one yields just that event and ends.
pub fn replayed<T: Send + 'static>(ctx: &Context<'_>) -> Option<T> {
    ctx.data_opt::<Replayed<T>>().and_then(|r| r.0.lock().ok()?.take())
}

/// A subscription resolver's stream: `initial` then `live`. In a split subscription's first
/// execution `live` is handed over and only `initial` is returned.
pub fn hand_off<T: Send + 'static>(
    ctx: &Context<'_>,
    initial: impl Stream<Item = T> + Send + 'static,
    live: impl Stream<Item = T> + Send + 'static,
) -> BoxStream<'static, T> {
    if let Some(handoff) = ctx.data_opt::<Arc<Handoff>>()
        && let Ok(mut slot) = handoff.0.lock()
        && slot.is_none()
    {
        *slot = Some(
            live.map(|event| -> Attach { Box::new(move |r: Request| r.data(Replayed(Mutex::new(Some(event))))) })
                .boxed(),
        );
        return initial.boxed();
    }
    initial.chain(live).boxed()
}

/// The executor of WebSocket operations: the schema, with split subscriptions and the
/// request's DataLoaders made for each execution (none are kept while a socket idles).
#[derive(Clone)]
pub struct Sockets {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
}

/// What is kept of an operation between its executions.
struct Operation {
    query: String,
    operation_name: Option<String>,
    variables: Variables,
    extensions: async_graphql::Extensions,
}

impl Operation {
    fn request(&self) -> Request {
        let mut r = Request::new(self.query.clone()).variables(self.variables.clone());
        if let Some(name) = &self.operation_name {
            r = r.operation_name(name.clone());
        }
        r.extensions = self.extensions.clone();
        r
    }
}

impl Sockets {
    fn run(&self, request: Request, session: &Arc<Data>) -> BoxStream<'static, Response> {
        self.schema.execute_stream_with_session_data(request.data(request_loaders(&self.db)), Arc::clone(session))
    }
}

/// Whether `request` is a subscription with a single root field and no directive on it.
fn splittable(request: &Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else { return false };
    let operation = match (&doc.operations, request.operation_name.as_deref()) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => match ops.get(name) {
            Some(op) => op,
            None => return false,
        },
        (DocumentOperations::Multiple(_), None) => return false,
    };
    let op = &operation.node;
    op.ty == OperationType::Subscription
        && op.directives.is_empty()
        && matches!(op.selection_set.node.items.as_slice(),
            [only] if matches!(&only.node, Selection::Field(f) if f.node.directives.is_empty()))
}

enum Phase {
    First(BoxStream<'static, Response>, Arc<Handoff>),
    Waiting(BoxStream<'static, Attach>),
    Replaying(BoxStream<'static, Response>, BoxStream<'static, Attach>),
}

impl Executor for Sockets {
    async fn execute(&self, request: Request) -> Response {
        self.schema.execute(request.data(request_loaders(&self.db))).await
    }

    fn execute_stream(&self, mut request: Request, session: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        let session = session.unwrap_or_default();
        if !splittable(&request) {
            return self.run(request, &session);
        }
        let op = Arc::new(Operation {
            query: std::mem::take(&mut request.query),
            operation_name: request.operation_name.take(),
            variables: std::mem::take(&mut request.variables),
            extensions: std::mem::take(&mut request.extensions),
        });
        let handoff = Arc::new(Handoff::default());
        let first = self.run(op.request().data(Arc::clone(&handoff)), &session);
        let this = self.clone();
        stream::unfold(Some(Phase::First(first, handoff)), move |phase| {
            let (this, session, op) = (this.clone(), Arc::clone(&session), Arc::clone(&op));
            async move {
                let mut phase = phase?;
                loop {
                    phase = match phase {
                        Phase::First(mut s, handoff) => match s.next().await {
                            Some(r) => return Some((r, Some(Phase::First(s, handoff)))),
                            None => match handoff.0.lock().ok().and_then(|mut slot| slot.take()) {
                                Some(live) => Phase::Waiting(live),
                                None => return None,
                            },
                        },
                        Phase::Waiting(mut live) => match live.next().await {
                            Some(attach) => Phase::Replaying(this.run(attach(op.request()), &session), live),
                            None => return None,
                        },
                        Phase::Replaying(mut s, live) => match s.next().await {
                            Some(r) => return Some((r, Some(Phase::Replaying(s, live)))),
                            None => Phase::Waiting(live),
                        },
                    };
                }
            }
        })
        .boxed()
    }
}
