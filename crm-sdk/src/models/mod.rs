//! The API's data, as the server sends and receives it (snake_case JSON), one file per area;
//! every type is re-exported here.

mod accounts;
mod activities;
mod automations;
mod background;
mod campaigns;
mod email;
mod imports;
mod leads;
mod privacy;
mod problems;
mod records;
mod reports;
mod sales;
mod scoring;
mod search;
mod territories;
mod webhooks;

pub use accounts::*;
pub use activities::*;
pub use automations::*;
pub use background::*;
pub use campaigns::*;
pub use email::*;
pub use imports::*;
pub use leads::*;
pub use privacy::*;
pub use problems::*;
pub use records::*;
pub use reports::*;
pub use sales::*;
pub use scoring::*;
pub use search::*;
pub use territories::*;
pub use webhooks::*;
