import Converter
import Foundation
import Model
import TestSupport

/// Silero VAD converted from the wheel's graph (callers check `WheelAndSharedFiles.sileroGraph`).
func sileroModel() throws -> ModelFile {
    let imported = try ONNXImporter.importModel(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: WheelAndSharedFiles.sileroGraph!))))
    return try ModelFile(bytes: ModelWriter.serialize(imported.description, tensors: imported.tensors))
}
