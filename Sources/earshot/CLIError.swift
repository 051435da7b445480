/// A failure the CLI reports as one readable line ("Error: ...") and exit status 1.
///
/// Module errors (ModelError, ConversionError, ...) are CustomStringConvertible and propagate as they are;
/// this type covers problems only the CLI sees, such as a features file of the wrong shape.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
