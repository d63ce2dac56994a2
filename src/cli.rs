//! The `policytrack` command line: parsing and running each subcommand.

use crate::config::Config;
use crate::db::{self, Database};
use crate::startup::Application;
use crate::{openapi, seed};

pub const USAGE: &str = "\
policytrack: tracks what happens to the recommendations of policy reports

Usage:
  policytrack [serve]     run the HTTP service (migrates, seeds an empty database)
  policytrack migrate     apply pending database migrations
  policytrack seed        load the bundled report and agencies where missing
  policytrack openapi     print the OpenAPI document
  policytrack help        show this text

Settings come from the environment or a .env file; see .env.example.
Without DATABASE_URL every command uses the embedded PostgreSQL in POLICYTRACK_DATA_DIR.
";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve,
    Migrate,
    Seed,
    OpenApi,
    Help,
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, String> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["serve"] => Ok(Command::Serve),
        ["migrate"] => Ok(Command::Migrate),
        ["seed"] => Ok(Command::Seed),
        ["openapi"] => Ok(Command::OpenApi),
        ["help" | "--help" | "-h"] => Ok(Command::Help),
        other => Err(format!("unknown command: {}\n\n{USAGE}", other.join(" "))),
    }
}

/// Runs a command to completion. Blocking: owns the runtime and any embedded cluster.
pub fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Help => {
            print!("{USAGE}");
            Ok(())
        }
        Command::OpenApi => {
            print!("{}", openapi::spec_json());
            Ok(())
        }
        Command::Migrate => {
            let database = Database::open(&config)?;
            db::run_migrations_blocking(&database.url)
        }
        Command::Seed => {
            let database = Database::open(&config)?;
            db::run_migrations_blocking(&database.url)?;
            let outcome = runtime()?.block_on(async {
                let mut conn = db::connect(&database.url).await?;
                seed::seed(&mut conn).await
            })?;
            println!(
                "seeded: {} report(s), {} recommendation(s), {} agenc(ies) added",
                outcome.reports, outcome.recommendations, outcome.agencies
            );
            Ok(())
        }
        Command::Serve => {
            // The cluster is started here, on the main thread, which lives as long as it must.
            let database = Database::open(&config)?;
            let url = database.url.clone();
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build(config.clone(), &url).await?;
                tracing::info!(addr = %config.addr, port = app.port(), "listening");
                app.run_until_stopped().await?;
                tracing::info!("stopped");
                anyhow::Ok(())
            })?;
            drop(database);
            Ok(())
        }
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
    fn unknown_commands_show_usage() {
        let err = parse(&args(&["frobnicate"])).expect_err("unknown");
        assert!(err.contains("Usage:"));
    }
}
