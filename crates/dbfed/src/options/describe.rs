//! [`Description`]: what an object shows of itself (its type and non-secret settings), which
//! every binding renders in its own language's style, so that one set of redaction tests covers
//! all of them.

use std::fmt;
use std::time::Duration;

/// A type and its shown settings, in order. Secrets are never in it: a secret setting is shown
/// as [`Shown::Withheld`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Description {
    /// The type's name (`Credential`, `EnvVar`).
    pub type_name: &'static str,
    /// The named constructor the object came from (`from_env`), if not the plain one.
    pub constructor: Option<&'static str>,
    /// The settings shown.
    pub fields: Vec<Field>,
}

/// One shown setting.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Field {
    /// The option's canonical name (`client_id`).
    pub name: &'static str,
    /// Its value.
    pub value: Shown,
    /// Whether languages with positional arguments show it without its name.
    pub positional: bool,
}

/// A shown value.
#[derive(Clone, Debug, PartialEq)]
pub enum Shown {
    /// Text, to be quoted.
    Text(String),
    /// Several texts.
    List(Vec<String>),
    /// A whole number.
    Integer(u64),
    /// A flag.
    Flag(bool),
    /// A length of time, shown in the language's unit.
    Span(Duration),
    /// Something not shown, with a word on what it is (`redacted`, `2 arguments`), rendered
    /// `<…>`.
    Withheld(String),
    /// Another object (a source).
    Object(Box<Description>),
}

impl Description {
    /// A description of `type_name` with no fields yet.
    pub fn new(type_name: &'static str) -> Self {
        Description {
            type_name,
            constructor: None,
            fields: Vec::new(),
        }
    }

    /// The same, made by the named constructor `name`.
    pub fn constructor(mut self, name: &'static str) -> Self {
        self.constructor = Some(name);
        self
    }

    /// Adds a named field.
    pub fn field(mut self, name: &'static str, value: Shown) -> Self {
        self.fields.push(Field {
            name,
            value,
            positional: false,
        });
        self
    }

    /// Adds a field that languages with positional arguments show without its name.
    pub fn positional(mut self, name: &'static str, value: Shown) -> Self {
        self.fields.push(Field {
            name,
            value,
            positional: true,
        });
        self
    }

    /// Adds `name` as text when it is set.
    pub fn text(self, name: &'static str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.field(name, Shown::Text(value.to_owned())),
            None => self,
        }
    }

    /// Adds `name` as `<redacted>` when a secret is set.
    pub fn secret(self, name: &'static str, is_set: bool) -> Self {
        if is_set {
            self.field(name, Shown::Withheld("redacted".into()))
        } else {
            self
        }
    }

    /// The value of the field `name`, if shown.
    pub fn get(&self, name: &str) -> Option<&Shown> {
        self.fields
            .iter()
            .find(|field| field.name == name)
            .map(|field| &field.value)
    }
}

/// Rust's style: `Credential { host: "h", source: EnvVar { name: "X" } }`.
impl fmt::Display for Description {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.type_name)?;
        if let Some(constructor) = self.constructor {
            write!(f, "::{constructor}")?;
        }
        if self.fields.is_empty() {
            return Ok(());
        }
        f.write_str(" { ")?;
        for (index, field) in self.fields.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}: {}", field.name, field.value)?;
        }
        f.write_str(" }")
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Text(text) => write!(f, "{text:?}"),
            Shown::List(texts) => write!(f, "{texts:?}"),
            Shown::Integer(number) => write!(f, "{number}"),
            Shown::Flag(flag) => write!(f, "{flag}"),
            Shown::Span(duration) => write!(f, "{duration:?}"),
            Shown::Withheld(what) => write!(f, "<{what}>"),
            Shown::Object(description) => write!(f, "{description}"),
        }
    }
}
