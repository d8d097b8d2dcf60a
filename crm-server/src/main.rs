//! The `crm` command line: `serve`, `migrate` (the only two that create an installation)
//! and the administration commands, which refuse a data directory holding none.
//! Configuration layers: defaults < `crm.toml` (given by `--config`, else in the data
//! directory) < `CRM_*` environment < flags. Secrets (`CRM_MASTER_KEY`, the database URL)
//! never print.

use clap::{Parser, Subcommand};

/// mimalloc (feature `mimalloc`, on by default; off for heap profilers): glibc's malloc
/// spent a sixth of the server's time on requests' many small values (docs/performance.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
mod commands;

use commands::*;
use crm_server::config::{Config, FileConfig, Secret};
use crm_server::{cli, open_app};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "crm", version, about = "CRM multi-entreprise : serveur, migrations, administration")]
struct Cli {
    /// Configuration file (TOML). Default: crm.toml in the data directory, if present.
    #[arg(long, env = "CRM_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Data directory: the SQLite database and the master key file live here
    /// (environment: CRM_DATA_DIR).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL (application role for `serve`, owner role for `migrate`).
    /// Without it the embedded SQLite of the data directory is used (environment:
    /// CRM_DATABASE_URL).
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Log format: pretty or json (environment: CRM_LOG_FORMAT).
    #[arg(long, global = true)]
    log_format: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the server (creates the installation of the data directory on first start).
    Serve {
        /// Address to listen on (default 127.0.0.1:8080; environment: CRM_LISTEN).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Load the demonstration data when the installation is empty (never in production).
        #[arg(long)]
        demo: bool,
        /// How much demonstration data: `full` (ten companies) or `small` (two, for tests).
        #[arg(long, value_enum, default_value_t = DemoSizeArg::Full, requires = "demo")]
        demo_size: DemoSizeArg,
    },
    /// Demonstration data.
    Seed {
        #[command(subcommand)]
        action: SeedCmd,
    },
    /// Platform operators.
    Operator {
        #[command(subcommand)]
        action: OperatorCmd,
    },
    /// Tenants (companies using the CRM).
    Tenant {
        #[command(subcommand)]
        action: TenantCmd,
    },
    /// Users of a tenant.
    User {
        #[command(subcommand)]
        action: UserCmd,
    },
    /// Personal API tokens.
    Token {
        #[command(subcommand)]
        action: TokenCmd,
    },
    /// Imports contacts into a tenant: the dry run, the import, its resumption.
    Import {
        #[command(subcommand)]
        action: ImportCmd,
    },
    /// Exports a tenant's contacts, organizations, opportunities or activities to a file
    /// (CSV, CSV for French Excel, XLSX; vCards for contacts).
    Export {
        #[command(subcommand)]
        action: crm_server::cli_export::ExportCmd,
    },
    /// Rebuilds the search index of this data directory from the records (the server must
    /// be stopped; a running server rebuilds a company's part on
    /// `POST /api/v1/search/reindex`).
    Reindex,
    /// Takes a backup of the installation into a new directory while the server keeps
    /// serving (SQLite: a consistent copy of the database and the stored files). The
    /// master key is never in it: keep `master.key` apart. PostgreSQL: use pg_dump.
    Backup {
        /// The new directory to write the backup into.
        dest: PathBuf,
    },
    /// Restores a backup into an empty data directory, where the master key of the backed
    /// up installation has been put first (`master.key`, or CRM_MASTER_KEY); then rebuilds
    /// the search index.
    Restore {
        /// The backup directory.
        from: PathBuf,
    },
    /// Master keys: a new one put in charge while the servers answer (nothing is
    /// re-encrypted), then the old one retired.
    Keys {
        #[command(subcommand)]
        action: crm_server::keys::KeysCmd,
    },
    /// Applies database migrations (PostgreSQL: with the owner role's URL; grants the
    /// application role what it needs). Without a database URL: creates or updates the
    /// installation of the data directory (SQLite database and master key file), then exits.
    Migrate {
        /// The application role that `crm serve` connects as.
        #[arg(long, env = "CRM_APP_ROLE", default_value = "crm_app")]
        app_role: String,
    },
}

fn config(cli: &Cli, listen: Option<SocketAddr>) -> Result<Config, String> {
    // Flags over the environment; the file (found through them) under both.
    let flags = FileConfig {
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone().map(|u| Some(Secret::new(u))),
        listen,
        log_format: cli.log_format.clone(),
        ..FileConfig::default()
    };
    let over = flags.over(FileConfig::from_env(|name| std::env::var(name).ok())?);
    let (file_path, optional) = match &cli.config {
        Some(p) => (p.clone(), false),
        None => (
            over.data_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(Config::DEFAULT_DATA_DIR))
                .join("crm.toml"),
            true,
        ),
    };
    let file = FileConfig::load(&file_path, optional).map_err(|e| e.to_string())?;
    Ok(Config::layered(file, over))
}

fn init_logs(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Opens the installation for an administration command; refuses a data directory that
/// holds none rather than creating it (only `serve` and `migrate` do).
async fn open_admin(cli: &Cli) -> Result<crm_server::CrmApp, String> {
    let cfg = config(cli, None)?;
    cli::require_installation(&cfg)?;
    open_app(&cfg).await.map_err(|e| e.to_string())
}

/// The file storage of the installation (its data directory), sealed by the application's
/// cipher (with the keys it adopted from a rotation).
fn open_files(cli: &Cli, app: &crm_server::CrmApp) -> Result<std::sync::Arc<dyn crm_ports::files::FileStorage>, String> {
    let cfg = config(cli, None)?;
    let files = crm_files_disk::DiskFiles::open(&cfg.files_dir(), app.store().cipher())
        .map_err(|e| format!("{} : {e}", cfg.files_dir().display()))?;
    Ok(std::sync::Arc::new(files))
}

async fn run(cli: Cli) -> Result<(), String> {
    match &cli.command {
        Command::Serve { listen, demo, demo_size } => {
            let cfg = config(&cli, *listen)?;
            init_logs(&cfg.log_format);
            let demo = demo.then(|| (*demo_size).into());
            crm_server::launch::serve(&cfg, demo, crm_server::launch::shutdown_signal()).await
        }
        Command::Seed { action } => {
            let app = open_admin(&cli).await?;
            let SeedCmd::Demo { seed, size } = action;
            let public_url = config(&cli, None)?.public_url;
            let files = open_files(&cli, &app)?;
            println!(
                "{}",
                cli::load_demo(&app, *seed, (*size).into(), public_url.as_deref(), files).await?
            );
            Ok(())
        }
        Command::Operator { action } => {
            let app = open_admin(&cli).await?;
            let OperatorCmd::Create { email } = action;
            println!("{}", cli::create_operator(&app, email).await?);
            Ok(())
        }
        Command::Tenant { action } => {
            let app = open_admin(&cli).await?;
            let out = match action {
                TenantCmd::Create {
                    name,
                    admin_email,
                    admin_name,
                } => cli::create_tenant(&app, name, admin_email, admin_name).await?,
                TenantCmd::List => cli::list_tenants(&app).await?,
            };
            println!("{out}");
            Ok(())
        }
        Command::User { action } => {
            let app = open_admin(&cli).await?;
            let out = match action {
                UserCmd::Create { tenant, email, name, role } => {
                    cli::create_user(&app, crm_domain::TenantId::from_uuid(*tenant), email, name, role).await?
                }
                UserCmd::List { tenant } => cli::list_users(&app, crm_domain::TenantId::from_uuid(*tenant)).await?,
            };
            println!("{out}");
            Ok(())
        }
        Command::Token { action } => {
            let app = open_admin(&cli).await?;
            let TokenCmd::Create { email, name, days, tenant } = action;
            println!("{}", cli::create_token(&app, email, name, *days, *tenant).await?);
            Ok(())
        }
        Command::Import { action } => {
            let app = open_admin(&cli).await?;
            let out = match action {
                ImportCmd::Plan { file: f } => {
                    let tenant = crm_domain::TenantId::from_uuid(f.tenant);
                    let anyway = f.create_possible_duplicates;
                    crm_server::cli_import::plan(&app, tenant, &f.file, &f.key, anyway, f.report.as_deref()).await?
                }
                ImportCmd::Run {
                    file: f,
                    all_or_nothing,
                    owner,
                    by_territory,
                } => {
                    let args = crm_server::cli_import::RunArgs {
                        key: f.key.clone(),
                        create_possible_duplicates: f.create_possible_duplicates,
                        all_or_nothing: *all_or_nothing,
                        owner: owner.clone(),
                        by_territory: *by_territory,
                        report: f.report.clone(),
                    };
                    let files = open_files(&cli, &app)?;
                    let tenant = crm_domain::TenantId::from_uuid(f.tenant);
                    crm_server::cli_import::run(&app, files, tenant, &f.file, &args).await?
                }
                ImportCmd::Company { tenant, file } => {
                    crm_server::cli_export::restore(&app, crm_domain::TenantId::from_uuid(*tenant), file).await?
                }
                ImportCmd::Resume { tenant, report, job } => {
                    let files = open_files(&cli, &app)?;
                    let tenant = crm_domain::TenantId::from_uuid(*tenant);
                    crm_server::cli_import::follow(&app, files, tenant, *job, report.as_deref()).await?
                }
            };
            println!("{out}");
            Ok(())
        }
        Command::Export { action } => {
            let app = open_admin(&cli).await?;
            println!("{}", crm_server::cli_export::run(&app, action).await?);
            Ok(())
        }
        Command::Reindex => {
            let app = open_admin(&cli).await?;
            let cfg = config(&cli, None)?;
            let search = crm_server::search::open(&cfg.data_dir).map_err(|e| e.to_string())?;
            println!("{}", cli::reindex(&app, &search).await?);
            Ok(())
        }
        Command::Backup { dest } => {
            let app = open_admin(&cli).await?;
            let cfg = config(&cli, None)?;
            let m = crm_server::backup::backup(&app, &cfg, dest).await?;
            println!(
                "Sauvegarde écrite dans {} : base de {} octets (instantané du {}), {} fichiers. \
                 La clé maîtresse n'y est pas : conservez {} à part.",
                dest.display(),
                m.database_bytes,
                m.taken_at.to_rfc3339(),
                m.files,
                cfg.key_path().display()
            );
            Ok(())
        }
        Command::Restore { from } => {
            let cfg = config(&cli, None)?;
            println!("{}", crm_server::backup::restore(&cfg, from).await?);
            Ok(())
        }
        Command::Keys { action } => {
            let cfg = config(&cli, None)?;
            println!("{}", crm_server::keys::run(&cfg, action).await?);
            Ok(())
        }
        Command::Migrate { app_role } => {
            let cfg = config(&cli, None)?;
            init_logs(&cfg.log_format);
            match &cfg.database_url {
                Some(url) => {
                    let cipher = crm_crypto::RingCipher::new(crm_server::assemble::keyring(&cfg).map_err(|e| e.to_string())?);
                    let sealed = crm_store_sql::migrate_postgres(url.expose(), app_role, cipher)
                        .await
                        .map_err(|e| e.to_string())?;
                    println!(
                        "Migrations PostgreSQL appliquées ; droits accordés au rôle {app_role} ; \
                         {sealed} événements de contacts scellés sous la clé de leur personne."
                    );
                }
                None => {
                    let created = !cfg.sqlite_path().exists();
                    open_app(&cfg).await.map_err(|e| e.to_string())?;
                    println!(
                        "{} : base SQLite {} à jour{}.",
                        if created { "Installation créée" } else { "Installation à jour" },
                        cfg.sqlite_path().display(),
                        if cfg.master_key.is_none() {
                            format!(", clé maîtresse {}", cfg.key_path().display())
                        } else {
                            String::new()
                        }
                    );
                }
            }
            Ok(())
        }
    }
}

/// mimalloc's own setting of how long memory freed by a thread is kept before it goes
/// back to the system.
#[cfg(all(unix, feature = "mimalloc"))]
const PURGE_DELAY: &str = "MIMALLOC_PURGE_DELAY";
/// Its value for `crm`: 100 ms.
#[cfg(all(unix, feature = "mimalloc"))]
const PURGE_DELAY_MS: &str = "100";

/// mimalloc keeps the memory a thread frees for a second (its default) before giving it
/// back: just after a burst of requests, tens of MiB freed were still held. A tenth of a
/// second gave most of it back at no cost the benchmarks could see; no delay at all cost
/// 8 % of the requests a second (docs/performance.md, "Memory freed, given back").
/// mimalloc reads its settings from the environment before `main`, and the house allows
/// no `unsafe` to call it: so the process runs itself again with the setting, unless it
/// is set already (an operator's own value wins). `exec` keeps the process id.
#[cfg(all(unix, feature = "mimalloc"))]
fn with_memory_given_back() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os(PURGE_DELAY).is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let mut args = std::env::args_os();
    let err = std::process::Command::new(exe)
        .arg0(args.next().unwrap_or_default())
        .args(args)
        .env(PURGE_DELAY, PURGE_DELAY_MS)
        .exec();
    // Only reached when the program could not run again: go on as it is.
    eprintln!("crm: {PURGE_DELAY}={PURGE_DELAY_MS} not applied: {err}");
}

fn main() -> ExitCode {
    #[cfg(all(unix, feature = "mimalloc"))]
    with_memory_given_back();
    // First of all, before the runtime's threads: every file and directory this process
    // creates (database, WAL, key file, search index segments) is its user's only (files
    // 0600, directories 0700). Only the binary does this: a library must not change process
    // state (`open_app` and `search::open` narrow their own files for hosts embedding them).
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::RWXG | rustix::fs::Mode::RWXO);
    let cli = Cli::parse();
    let result = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(e) => Err(format!("tokio runtime: {e}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crm: {e}");
            ExitCode::FAILURE
        }
    }
}
