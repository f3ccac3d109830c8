//! Reading variables: empty means unset, and a value that does not parse names its
//! variable.

use std::{collections::HashMap, fmt, str::FromStr};

use super::ConfigError;

/// Lookup over the variables, treating empty values as unset (as `.env` files often do).
pub struct Env<'a>(pub &'a HashMap<String, String>);

impl Env<'_> {
    /// The trimmed value of `name`, `None` when unset or blank.
    pub fn get(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// The value of `name`, or `default`.
    pub fn get_or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or_else(|| default.to_owned())
    }

    /// `name` parsed, or `default` when unset; a value that does not parse names `name`.
    pub fn parse_or<T: FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw.parse().map_err(|_| {
                ConfigError::new(name, format!("`{raw}` is not a valid {}", type_name::<T>()))
            }),
        }
    }

    /// `name` as a whole number within `min..=max` (`default` when unset).
    pub fn parse_in_range(
        &self,
        name: &'static str,
        default: i64,
        min: i64,
        max: i64,
    ) -> Result<i64, ConfigError> {
        let value: i64 = self.parse_or(name, default)?;
        if !(min..=max).contains(&value) {
            return Err(ConfigError::new(
                name,
                format!("must be between {min} and {max}"),
            ));
        }
        Ok(value)
    }

    /// `name` parsed and greater than zero (`default` when unset).
    pub fn parse_positive_or<T>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + Default + fmt::Display,
    {
        let value = self.parse_or(name, default)?;
        if value <= T::default() {
            return Err(ConfigError::new(name, "must be greater than zero"));
        }
        Ok(value)
    }

    /// `name` as a boolean (`true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off`).
    pub fn parse_bool_or(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.get(name).map(|v| v.to_ascii_lowercase()).as_deref() {
            None => Ok(default),
            Some("true" | "1" | "yes" | "on") => Ok(true),
            Some("false" | "0" | "no" | "off") => Ok(false),
            Some(_) => Err(ConfigError::new(name, "must be true or false")),
        }
    }
}

fn type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    match full {
        "u16" | "u32" | "u64" | "i64" | "usize" => "whole number in range",
        _ => full,
    }
}

/// The process environment, after `.env` in development (never in production): what
/// every `from_env` reads.
pub fn process_vars() -> HashMap<String, String> {
    let production = std::env::var("APP_ENV").is_ok_and(|v| v == "production");
    if !production {
        // A missing .env is normal; a malformed one is reported by the values it yields.
        let _ = dotenvy::dotenv();
    }
    std::env::vars().collect()
}
