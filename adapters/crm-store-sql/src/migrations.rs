//! The migrations of a backend, listed once: number, description, file under
//! `migrations/<backend>/`, each embedded in the binary.

/// A [`sqlx::migrate::Migrator`] of `(version, description, file)` entries of a backend's
/// directory.
macro_rules! migrator {
    ($dir:literal, [$(($version:literal, $description:literal, $file:literal)),* $(,)?]) => {
        sqlx::migrate::Migrator::with_migrations(vec![$(
            sqlx::migrate::Migration::new(
                $version,
                $description.into(),
                sqlx::migrate::MigrationType::Simple,
                sqlx::SqlSafeStr::into_sql_str(include_str!(concat!("../migrations/", $dir, "/", $file))),
                false,
            )
        ),*])
    };
}

pub(crate) use migrator;
