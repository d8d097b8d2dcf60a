//! Validation errors that name the field at fault.

use std::fmt;

/// What is wrong with a field's value. Stable snake_case codes (see [`ViolationKind::code`])
/// are what the API exposes and what translations are keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationKind {
    /// Missing or blank.
    Required,
    /// Longer than allowed.
    TooLong,
    /// Not in the expected format.
    Malformed,
    /// Below the allowed minimum.
    TooSmall,
    /// Above the allowed maximum.
    TooLarge,
    /// Not one of the allowed values.
    Unknown,
    /// Two values that must share a currency do not.
    CurrencyMismatch,
    /// Values that must strictly increase do not.
    NotIncreasing,
    /// The same value appears twice where it must be unique.
    Repeated,
    /// Not allowed in this place (e.g. a rule on a static segment).
    NotAllowed,
    /// A date or time outside the accepted range (years 1900 to 2200, see [`crate::time`]).
    OutOfRange,
    /// A field the input does not have (a typo, or a field of another operation).
    UnknownField,
    /// A value of the wrong JSON type (a boolean or a number where text is expected...).
    WrongType,
    /// Text that does not parse in its language (an email template); the error's `line`
    /// says where.
    Syntax,
    /// A name the text uses that is not known (a template's variable); the error's `value`
    /// names it and its `line` says where.
    UnknownVariable,
    /// A secret that does not match (a second factor's code: wrong, too old, or already
    /// used).
    Incorrect,
    /// A password that is common or easily guessed (a known password, a keyboard row, the
    /// person's own name).
    Common,
}

impl ViolationKind {
    /// Stable code, used by the API and the translation files.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooLong => "too_long",
            Self::Malformed => "malformed",
            Self::TooSmall => "too_small",
            Self::TooLarge => "too_large",
            Self::Unknown => "unknown",
            Self::CurrencyMismatch => "currency_mismatch",
            Self::NotIncreasing => "not_increasing",
            Self::Repeated => "repeated",
            Self::NotAllowed => "not_allowed",
            Self::OutOfRange => "out_of_range",
            Self::UnknownField => "unknown_field",
            Self::WrongType => "wrong_type",
            Self::Syntax => "syntax",
            Self::UnknownVariable => "unknown_variable",
            Self::Incorrect => "incorrect",
            Self::Common => "common",
        }
    }

    /// The kind of a code.
    pub fn parse(code: &str) -> Option<Self> {
        [
            Self::Required,
            Self::TooLong,
            Self::Malformed,
            Self::TooSmall,
            Self::TooLarge,
            Self::Unknown,
            Self::CurrencyMismatch,
            Self::NotIncreasing,
            Self::Repeated,
            Self::NotAllowed,
            Self::OutOfRange,
            Self::UnknownField,
            Self::WrongType,
            Self::Syntax,
            Self::UnknownVariable,
            Self::Incorrect,
            Self::Common,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

/// One field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `emails.1` or `stages.2.probability`.
    pub field: String,
    /// What is wrong with it.
    pub kind: ViolationKind,
    /// The line of a text field where the fault is (1 = the first), when it has one.
    pub line: Option<u32>,
    /// The part of the value at fault (an unknown variable's name), when it helps.
    pub value: Option<String>,
}

/// One or more fields at fault. Never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    errors: Vec<FieldError>,
}

impl ValidationError {
    /// A single field at fault.
    pub fn field(field: impl Into<String>, kind: ViolationKind) -> Self {
        Self {
            errors: vec![FieldError {
                field: field.into(),
                kind,
                line: None,
                value: None,
            }],
        }
    }

    /// A fault at a line of a text field, naming what is at fault when `value` is given.
    pub fn at_line(field: impl Into<String>, kind: ViolationKind, line: Option<u32>, value: Option<String>) -> Self {
        Self {
            errors: vec![FieldError {
                field: field.into(),
                kind,
                line,
                value,
            }],
        }
    }

    /// Both errors' fields, this one's first.
    #[must_use]
    pub fn join(mut self, other: ValidationError) -> Self {
        self.errors.extend(other.errors);
        self
    }

    /// The fields at fault, in the order found.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// Prefixes every field path (for values nested in a larger input).
    #[must_use]
    pub fn at(mut self, prefix: &str) -> Self {
        if prefix.is_empty() {
            return self;
        }
        for e in &mut self.errors {
            e.field = if e.field.is_empty() {
                prefix.to_owned()
            } else {
                format!("{prefix}.{}", e.field)
            };
        }
        self
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.errors.iter().map(|e| format!("{}: {}", e.field, e.kind.code())).collect();
        write!(f, "invalid input ({})", parts.join(", "))
    }
}

/// Collects field errors across a whole input, so a caller learns every fault at once.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value if `result` is `Ok`, records its errors under `field` otherwise.
    pub fn check<T>(&mut self, field: &str, result: Result<T, ValidationError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.extend(e.at(field).errors);
                None
            }
        }
    }

    /// Records one error.
    pub fn push(&mut self, field: impl Into<String>, kind: ViolationKind) {
        self.errors.push(FieldError {
            field: field.into(),
            kind,
            line: None,
            value: None,
        });
    }

    /// `Ok(())` when nothing was recorded.
    ///
    /// # Errors
    /// Every recorded field error, as one [`ValidationError`].
    pub fn finish(self) -> Result<(), ValidationError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationError { errors: self.errors })
        }
    }
}
