//! License normalisation at load (PM-45): an override table, then SPDX ids, else unchanged.

/// Overrides, matched case-insensitively before the SPDX list.
const OVERRIDES: &[(&str, &str)] = &[
    ("apache-2.0", "Apache 2.0"),
    ("mit", "MIT"),
    ("bsd-2-clause", "BSD 2-Clause"),
    ("bsd-3-clause", "BSD 3-Clause"),
    ("gpl-2.0", "GPL 2.0"),
    ("gpl-3.0", "GPL 3.0"),
    ("lgpl-2.1", "LGPL 2.1"),
    ("lgpl-3.0", "LGPL 3.0"),
    ("gemma", "Gemma License"),
    ("llama2", "Llama 2 Community License"),
    ("llama3", "Llama 3 Community License"),
    ("llama3.1", "Llama 3.1 Community License"),
    ("llama3.2", "Llama 3.2 Community License"),
    ("llama3.3", "Llama 3.3 Community License"),
    ("llama4", "Llama 4 Community License"),
    ("bigscience-openrail-m", "BigScience OpenRAIL-M License"),
    ("openrail", "OpenRAIL License"),
    ("nvidia-open-model-license", "NVIDIA Open Model License"),
];

/// SPDX ids commonly used for models (id → full name).
const SPDX: &[(&str, &str)] = &[
    ("afl-3.0", "Academic Free License v3.0"),
    ("agpl-3.0", "GNU Affero General Public License v3.0"),
    ("artistic-2.0", "Artistic License 2.0"),
    ("bsl-1.0", "Boost Software License 1.0"),
    ("cc0-1.0", "Creative Commons Zero v1.0 Universal"),
    ("cc-by-2.0", "Creative Commons Attribution 2.0 Generic"),
    ("cc-by-3.0", "Creative Commons Attribution 3.0 Unported"),
    (
        "cc-by-4.0",
        "Creative Commons Attribution 4.0 International",
    ),
    (
        "cc-by-nc-2.0",
        "Creative Commons Attribution Non Commercial 2.0 Generic",
    ),
    (
        "cc-by-nc-3.0",
        "Creative Commons Attribution Non Commercial 3.0 Unported",
    ),
    (
        "cc-by-nc-4.0",
        "Creative Commons Attribution Non Commercial 4.0 International",
    ),
    (
        "cc-by-nc-nd-4.0",
        "Creative Commons Attribution Non Commercial No Derivatives 4.0 International",
    ),
    (
        "cc-by-nc-sa-4.0",
        "Creative Commons Attribution Non Commercial Share Alike 4.0 International",
    ),
    (
        "cc-by-nd-4.0",
        "Creative Commons Attribution No Derivatives 4.0 International",
    ),
    (
        "cc-by-sa-3.0",
        "Creative Commons Attribution Share Alike 3.0 Unported",
    ),
    (
        "cc-by-sa-4.0",
        "Creative Commons Attribution Share Alike 4.0 International",
    ),
    ("ecl-2.0", "Educational Community License v2.0"),
    ("epl-1.0", "Eclipse Public License 1.0"),
    ("epl-2.0", "Eclipse Public License 2.0"),
    ("eupl-1.1", "European Union Public License 1.1"),
    ("eupl-1.2", "European Union Public License 1.2"),
    ("isc", "ISC License"),
    ("mpl-2.0", "Mozilla Public License 2.0"),
    ("odc-by-1.0", "Open Data Commons Attribution License v1.0"),
    ("odbl-1.0", "Open Data Commons Open Database License v1.0"),
    ("openrail++", "OpenRAIL++-M License"),
    ("osl-3.0", "Open Software License 3.0"),
    ("postgresql", "PostgreSQL License"),
    ("unlicense", "The Unlicense"),
    ("wtfpl", "Do What The F*ck You Want To Public License"),
    ("zlib", "zlib License"),
];

/// The display form of a license id.
pub fn normalise(license: &str) -> String {
    let trimmed = license.trim();
    OVERRIDES
        .iter()
        .chain(SPDX)
        .find(|(id, _)| id.eq_ignore_ascii_case(trimmed))
        .map_or_else(|| trimmed.to_string(), |(_, name)| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn overrides_then_spdx_then_unchanged() {
        assert_eq!(normalise(" Apache-2.0 "), "Apache 2.0");
        assert_eq!(normalise("llama3.1"), "Llama 3.1 Community License");
        assert_eq!(
            normalise("cc-by-sa-4.0"),
            "Creative Commons Attribution Share Alike 4.0 International"
        );
        assert_eq!(normalise("Custom EULA"), "Custom EULA");
    }
}
