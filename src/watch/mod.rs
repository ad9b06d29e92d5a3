//! `watch`: file changes → debounced batches → pure classification → the same planner and
//! scheduler as `up`. This module holds the pure parts; `commands/watch.rs` runs the loop.

pub mod classify;
pub mod ignore;
pub mod notifier;
