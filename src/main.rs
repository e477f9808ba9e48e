fn main() -> std::process::ExitCode {
    confcopy::cli::main()
}
