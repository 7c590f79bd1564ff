//! sgaudit: audits the network exposure of an AWS account.
//!
//! The crate is a pipeline: [`collect`] talks to AWS (or a recording) and builds a [`model::Inventory`];
//! [`audit`] runs the [`checks`] over it, with the [`flow`] model answering which members can reach which;
//! [`report`] renders the result. Only `collect` does I/O.

#![warn(missing_docs)]

pub mod audit;
pub mod checks;
pub mod collect;
pub mod engine;
pub mod flow;
pub mod flowlog;
pub mod grouped;
pub mod model;
pub mod policy;
pub mod report;
pub mod suppress;
pub mod tomlfile;
