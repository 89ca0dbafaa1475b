//! `config default`: the commented config file.

use crate::cli::ConfigCommand;
use crate::output::print;

pub fn run(command: ConfigCommand) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Default => print(|out| out.write_all(sshkeyd::config::DEFAULT_FILE.as_bytes())),
    }
}
