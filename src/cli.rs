//! The `policytrack` command line: parsing and running each subcommand.

use crate::auth::password;
use crate::config::Config;
use crate::db::{self, Database};
use crate::domain::Role;
use crate::domain::Status;
use crate::events::model::EventType;
use crate::events::tail::TailOptions;
use crate::http::validate::Checks;
use crate::startup::Application;
use crate::transfer::commands::ImportFailure;
use crate::transfer::dto::{ImportFormat, ImportProblem, ImportResult};
use crate::transfer::handlers::ExportAs;
use crate::{events, openapi, seed, transfer, users};

pub const USAGE: &str = "\
policytrack: tracks what happens to the recommendations of policy reports

Usage:
  policytrack [serve]     run the HTTP service (migrates, seeds an empty database)
  policytrack migrate     apply pending database migrations
  policytrack seed [--demo]
                          load the bundled report and agencies where missing
                          (--demo: also a labelled demonstration of it in motion)
  policytrack import FILE [--dry-run] [--format json|csv|gao] [--report SLUG]
                          import a report document, a CSV of recommendations (of
                          --report) or GAO's recommendations CSV; prints the counts
  policytrack export REPORT [--format json|csv|xlsx]
                          write a report (id or slug) to standard output
  policytrack openapi [--yaml]
                          print the OpenAPI document (JSON, or YAML)
  policytrack user create --email E --role viewer|analyst|reviewer|admin
                          [--agency CODE]... --password-stdin
                          create a user (of those agencies); the password is read
                          from standard input
  policytrack events tail [--from-start] [--type T[,T...]]
                          print new events as JSON lines, as GET /api/v1/events shows
                          them, until stopped (--from-start: every event first)
  policytrack help        show this text
  policytrack --version   show the version and the commit it was built from

Settings come from the environment or a .env file; see .env.example.
Without DATABASE_URL every command uses the embedded PostgreSQL in POLICYTRACK_DATA_DIR.
";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve,
    Migrate,
    Seed {
        demo: bool,
    },
    Import {
        file: std::path::PathBuf,
        dry_run: bool,
        format: Option<ImportFormat>,
        report: Option<String>,
    },
    Export {
        report: String,
        format: ExportAs,
    },
    OpenApi {
        yaml: bool,
    },
    Help,
    Version,
    CreateUser {
        email: String,
        role: Role,
        agencies: Vec<String>,
    },
    EventsTail(TailOptions),
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, String> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["serve"] => Ok(Command::Serve),
        ["migrate"] => Ok(Command::Migrate),
        ["seed"] => Ok(Command::Seed { demo: false }),
        ["seed", "--demo"] => Ok(Command::Seed { demo: true }),
        ["import", rest @ ..] => parse_import(rest),
        ["export", rest @ ..] => parse_export(rest),
        ["openapi"] => Ok(Command::OpenApi { yaml: false }),
        ["openapi", "--yaml"] => Ok(Command::OpenApi { yaml: true }),
        ["help" | "--help" | "-h"] => Ok(Command::Help),
        ["--version" | "-V" | "version"] => Ok(Command::Version),
        ["user", "create", rest @ ..] => parse_user_create(rest),
        ["events", "tail", rest @ ..] => parse_events_tail(rest),
        other => Err(format!("unknown command: {}\n\n{USAGE}", other.join(" "))),
    }
}

fn parse_import(words: &[&str]) -> Result<Command, String> {
    let (mut file, mut dry_run, mut format, mut report) = (None, false, None, None);
    let mut rest = words.iter();
    while let Some(word) = rest.next() {
        match *word {
            "--dry-run" => dry_run = true,
            "--format" => {
                format = Some(match rest.next().copied() {
                    Some("json") => ImportFormat::Json,
                    Some("csv") => ImportFormat::Csv,
                    Some("gao") => ImportFormat::Gao,
                    _ => return Err("--format needs json, csv or gao".into()),
                })
            }
            "--report" => {
                report = Some(
                    rest.next()
                        .ok_or("--report needs a slug or id")?
                        .to_string(),
                )
            }
            other if other.starts_with("--") => {
                return Err(format!("unknown option {other}\n\n{USAGE}"));
            }
            path if file.is_none() => file = Some(std::path::PathBuf::from(path)),
            extra => return Err(format!("one file at a time: {extra}")),
        }
    }
    let file = file.ok_or_else(|| format!("import needs a FILE\n\n{USAGE}"))?;
    Ok(Command::Import {
        file,
        dry_run,
        format,
        report,
    })
}

fn parse_export(words: &[&str]) -> Result<Command, String> {
    match words {
        [report] => Ok(Command::Export {
            report: (*report).to_owned(),
            format: ExportAs::Json { history: true },
        }),
        [report, "--format", format] => Ok(Command::Export {
            report: (*report).to_owned(),
            format: match *format {
                "json" => ExportAs::Json { history: true },
                "csv" => ExportAs::Csv,
                "xlsx" => ExportAs::Xlsx,
                _ => return Err("--format needs json, csv or xlsx".into()),
            },
        }),
        _ => Err(format!(
            "export needs REPORT [--format json|csv|xlsx]\n\n{USAGE}"
        )),
    }
}

fn parse_events_tail(words: &[&str]) -> Result<Command, String> {
    let mut options = TailOptions::default();
    let mut rest = words.iter();
    while let Some(word) = rest.next() {
        match *word {
            "--from-start" => options.from_start = true,
            "--type" => {
                let list = rest.next().ok_or("--type needs event types")?;
                for name in list.split(',').filter(|n| !n.trim().is_empty()) {
                    let parsed = name.trim().parse::<EventType>();
                    options
                        .types
                        .push(parsed.map_err(|_| format!("{name:?} is not an event type"))?);
                }
            }
            other => return Err(format!("unknown option {other}\n\n{USAGE}")),
        }
    }
    Ok(Command::EventsTail(options))
}

fn parse_user_create(words: &[&str]) -> Result<Command, String> {
    let (mut email, mut role, mut stdin) = (None, None, false);
    let mut agencies = Vec::new();
    let mut rest = words.iter();
    while let Some(word) = rest.next() {
        match *word {
            "--email" => email = rest.next().map(|e| e.trim().to_lowercase()),
            "--role" => {
                role = Some(
                    rest.next()
                        .ok_or("--role needs a value")?
                        .parse::<Role>()
                        .map_err(|e| format!("--role {e}"))?,
                )
            }
            "--password-stdin" => stdin = true,
            "--agency" => agencies.push(
                rest.next()
                    .ok_or("--agency needs an agency code")?
                    .trim()
                    .to_owned(),
            ),
            other => return Err(format!("unknown option {other}\n\n{USAGE}")),
        }
    }
    match (email, role, stdin) {
        (Some(email), Some(role), true) => Ok(Command::CreateUser {
            email,
            role,
            agencies,
        }),
        _ => Err(format!(
            "user create needs --email, --role and --password-stdin\n\n{USAGE}"
        )),
    }
}

/// Runs a command to completion. Blocking: owns the runtime and any embedded cluster.
pub fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Help => {
            print!("{USAGE}");
            Ok(())
        }
        Command::Version => write_stdout(&format!("{}\n", crate::build_info::describe())),
        Command::OpenApi { yaml } => {
            let text = if yaml {
                openapi::spec_yaml()
            } else {
                openapi::spec_json()
            };
            write_stdout(&text)
        }
        Command::Migrate => {
            let database = Database::open(&config)?;
            db::run_migrations_blocking(&database.url)
        }
        Command::Seed { demo } => {
            let database = Database::open(&config)?;
            db::run_migrations_blocking(&database.url)?;
            let derivation = derivation(&config);
            let (outcome, demo) = runtime()?.block_on(async {
                let mut conn = db::connect(&database.url).await?;
                let outcome = seed::seed(&mut conn).await?;
                let demo = match demo {
                    true => Some(seed::demo::load(&mut conn, derivation).await?),
                    false => None,
                };
                anyhow::Ok((outcome, demo))
            })?;
            println!(
                "seeded: {} report(s), {} recommendation(s), {} agenc(ies) added",
                outcome.reports, outcome.recommendations, outcome.agencies
            );
            if let Some(demo) = demo {
                println!("{demo}");
            }
            Ok(())
        }
        Command::Import {
            file,
            dry_run,
            format,
            report,
        } => {
            let body = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
            let format = format.unwrap_or(match file.extension().and_then(|e| e.to_str()) {
                Some("csv") => ImportFormat::Csv,
                _ => ImportFormat::Json,
            });
            let batch =
                transfer::handlers::read_file(&body, format, report.as_deref(), Status::InProgress)
                    .map_err(|e| anyhow::anyhow!("{}", e.to_problem().detail))?;
            drop(body);
            let database = Database::open(&config)?;
            db::run_migrations_blocking(&database.url)?;
            let derivation = derivation(&config);
            let outcome = runtime()?.block_on(async {
                let mut conn = db::connect(&database.url).await?;
                anyhow::Ok(
                    transfer::handlers::import_file(&mut conn, None, batch, dry_run, derivation)
                        .await,
                )
            })?;
            match outcome {
                Ok(outcome) => write_stdout(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&ImportResult::from(outcome))?
                )),
                Err(ImportFailure::Rejected(errors)) => {
                    let n = errors.len();
                    let problem = ImportProblem::new(dry_run, errors);
                    write_stdout(&format!("{}\n", serde_json::to_string_pretty(&problem)?))?;
                    anyhow::bail!("{n} problem(s) in {}; nothing was written", file.display())
                }
                Err(ImportFailure::Api(e)) => anyhow::bail!("{}", e.to_problem().detail),
            }
        }
        Command::Export { report, format } => {
            let database = Database::open(&config)?;
            db::run_migrations_blocking(&database.url)?;
            let derivation = derivation(&config);
            let body = runtime()?.block_on(async {
                let mut conn = db::connect(&database.url).await?;
                let id = crate::reports::handlers::report_id(&mut conn, &report)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", e.to_problem().detail))?;
                let (body, _) = transfer::handlers::export_file(&mut conn, id, format, derivation)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", e.to_problem().detail))?;
                anyhow::Ok(body)
            })?;
            use std::io::Write;
            match std::io::stdout().lock().write_all(&body) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => Ok(other?),
            }
        }
        Command::CreateUser {
            email,
            role,
            agencies,
        } => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\n', '\r']).to_owned();
            if let Some(problem) = password::check_strength(&password) {
                anyhow::bail!("password {problem}");
            }
            let mut checks = Checks::new();
            checks.email("email", &email);
            if checks.finish().is_err() {
                anyhow::bail!("{email:?} is not an email address");
            }
            let hash = password::hash(&password)?;
            let database = Database::open(&config)?;
            db::run_migrations_blocking(&database.url)?;
            let new = users::model::NewUser {
                email: &email,
                password_hash: &hash,
                role,
            };
            let id = runtime()?.block_on(create_user(&database.url, new, &agencies))?;
            println!("created {role} {email} ({id})");
            Ok(())
        }
        Command::EventsTail(options) => {
            let database = Database::open(&config)?;
            db::run_migrations_blocking(&database.url)?;
            let followed = runtime()?.block_on(events::tail::follow(
                &database.url,
                &options,
                |_| eprintln!("policytrack: following events (Ctrl-C stops)"),
                write_line,
            ));
            match followed {
                Err(e)
                    if e.downcast_ref::<std::io::Error>()
                        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
                {
                    Ok(())
                }
                other => other,
            }
        }
        Command::Serve => {
            // Tokens from a made-up key would not survive a restart or match other instances.
            anyhow::ensure!(
                config.database_url.is_none() || config.jwt_secret.is_some(),
                "POLICYTRACK_JWT_SECRET (at least 32 bytes) is required when DATABASE_URL is set"
            );
            // The cluster is started here, on the main thread, which lives as long as it must.
            let database = Database::open(&config)?;
            let mut config = config;
            if config.jwt_secret.is_none() && database.embedded.is_some() {
                let path = config.data_dir.join("jwt-secret");
                config.jwt_secret = Some(crate::auth::jwt::load_or_create_secret(&path)?);
            }
            let url = database.url.clone();
            // Read from /proc here, before the runtime starts: file reads block.
            let autogroups_warning = crate::autogroups::warning();
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build(config.clone(), &url).await?;
                app.stop_on_signals()?;
                tracing::info!(addr = %config.addr, port = app.port(), "listening");
                if let Some(warning) = autogroups_warning {
                    tracing::warn!("{warning}");
                }
                app.run_until_stopped().await?;
                tracing::info!("stopped");
                anyhow::Ok(())
            })?;
            drop(database);
            Ok(())
        }
    }
}

async fn create_user(
    url: &str,
    new: users::model::NewUser<'_>,
    agency_codes: &[String],
) -> anyhow::Result<uuid::Uuid> {
    let mut conn = db::connect(url).await?;
    let email = new.email;
    let mut agency_ids = Vec::new();
    for code in agency_codes {
        let id = crate::agencies::queries::id_by_code(&mut conn, code).await?;
        agency_ids.push(id.ok_or_else(|| anyhow::anyhow!("no agency with code {code:?}"))?);
    }
    let account = users::commands::create(&mut conn, None, new, &agency_ids)
        .await
        .map_err(|e| match e {
            crate::error::ApiError::Conflict(_) => {
                anyhow::anyhow!("a user with email {email} already exists")
            }
            other => anyhow::anyhow!("{other}"),
        })?;
    Ok(account.user.id)
}

/// One line to stdout, flushed, so a reader sees each event as it comes.
fn write_line(line: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(line.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Writes to stdout; a closed pipe (`policytrack openapi | head`) is not an error.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn derivation(config: &Config) -> crate::domain::Derivation {
    crate::domain::Derivation {
        now: chrono::Utc::now(),
        stale_after_days: config.stale_after_days,
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn no_arguments_means_serve() {
        assert_eq!(parse(&[]), Ok(Command::Serve));
    }

    #[test]
    fn user_create_needs_all_three_options() {
        let parsed = parse(&args(&[
            "user",
            "create",
            "--email",
            "A@Example.org",
            "--role",
            "analyst",
            "--agency",
            "NASA",
            "--password-stdin",
        ]));
        assert_eq!(
            parsed,
            Ok(Command::CreateUser {
                email: "a@example.org".into(),
                role: Role::Analyst,
                agencies: vec!["NASA".into()],
            })
        );
        assert!(parse(&args(&["user", "create", "--email", "a@example.org"])).is_err());
        assert!(parse(&args(&["user", "create", "--role", "root"])).is_err());
    }

    #[test]
    fn events_tail_takes_a_start_and_types() {
        assert_eq!(
            parse(&args(&["events", "tail"])),
            Ok(Command::EventsTail(TailOptions::default()))
        );
        assert_eq!(
            parse(&args(&[
                "events",
                "tail",
                "--from-start",
                "--type",
                "milestone.overdue,recommendation.stale"
            ])),
            Ok(Command::EventsTail(TailOptions {
                from_start: true,
                types: vec![EventType::MilestoneOverdue, EventType::RecommendationStale],
            }))
        );
        assert!(parse(&args(&["events", "tail", "--type", "nope"])).is_err());
        assert!(parse(&args(&["events", "tail", "--type"])).is_err());
    }

    #[test]
    fn version_is_a_command() {
        assert_eq!(parse(&args(&["--version"])), Ok(Command::Version));
        assert!(crate::build_info::describe().starts_with("policytrack "));
    }

    #[test]
    fn unknown_commands_show_usage() {
        let err = parse(&args(&["frobnicate"])).expect_err("unknown");
        assert!(err.contains("Usage:"));
    }
}
