//! DTOs shared by the API's resources: a DTO used by more than one resource lives here;
//! resource files import from here, never from each other.

pub mod activities;
pub mod contacts;
pub mod events;
pub mod opportunities;
