//! `config default`: the commented config file.

use crate::cli::ConfigCommand;

pub fn run(command: ConfigCommand) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Default => print!("{}", sshkeyd::config::DEFAULT_FILE),
    }
    Ok(())
}
