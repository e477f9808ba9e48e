fn main() -> std::process::ExitCode {
    // Before the runtime starts any thread.
    confcopy::allocator::configure();
    confcopy::cli::main()
}
