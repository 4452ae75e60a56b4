//! The `shop` command.

fn main() -> std::process::ExitCode {
    asiabill_shop::cli::run()
}
