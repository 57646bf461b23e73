//! The event bus. Every instance has one in-process broadcast that subscriptions read from. With
//! Redis, events are published to one Redis channel and a single subscriber task per instance
//! feeds what arrives into the local broadcast, so an event raised on any instance reaches the
//! WebSockets of every instance. Never one Redis connection per WebSocket.
//!
//! Events are notifications, not the record: offers live in the database, and a subscriber that
//! (re)connects is first sent what is open, so a lost event (Redis down for a moment) loses nothing.

mod bus;
mod model;

pub use bus::{Control, EventBus};
pub use model::{Event, JobUpdate, LeadSummary, LeadUpdate, OfferEventKind, OfferSnapshot, Revocation};
