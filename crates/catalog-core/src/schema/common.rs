//! Fields every asset-type catalog shares (spec PA §4.2 and §3.1–3.2), declared once: `name` and
//! `description` are searched by `q`; `version`, `author`, `license` and `sourceId` are filterable
//! and accepted by `orderBy` on every list.

use super::FieldSpec;

/// `name`: required, sortable column, filterable, searched.
pub const NAME: FieldSpec = FieldSpec::string("name", "Name")
    .required()
    .sortable()
    .text_filter()
    .searchable()
    .section("Overview");
/// `description`: filterable, searched.
pub const DESCRIPTION: FieldSpec = FieldSpec::string("description", "Description")
    .text_filter()
    .searchable()
    .section("Overview");
/// `version`.
pub const VERSION: FieldSpec = FieldSpec::string("version", "Version")
    .orderable()
    .text_filter()
    .section("Overview");
/// `author`.
pub const AUTHOR: FieldSpec = FieldSpec::string("author", "Author")
    .orderable()
    .text_filter()
    .section("Overview");
/// `license`.
pub const LICENSE: FieldSpec = FieldSpec::string("license", "License")
    .orderable()
    .text_filter()
    .section("Overview");
/// `sourceId` (set by the server).
pub const SOURCE_ID: FieldSpec = FieldSpec::string("sourceId", "Source ID")
    .orderable()
    .text_filter();
/// `externalId`.
pub const EXTERNAL_ID: FieldSpec = FieldSpec::string("externalId", "External ID");
