internal import Foundation

/// One line's JSON object, read field by field with errors that name the field and what it should be.
struct JSONObject {
    private let fields: [String: Any]

    init(line: String) throws(ProtocolError) {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(line.utf8))
        } catch {
            throw ProtocolError("not JSON: \(line.prefix(60))\(line.count > 60 ? "…" : "")")
        }
        guard let fields = parsed as? [String: Any] else { throw ProtocolError("not a JSON object: \(line.prefix(60))") }
        self.fields = fields
    }

    func optionalString(_ key: String) throws(ProtocolError) -> String? {
        guard let value = fields[key], !(value is NSNull) else { return nil }
        guard let text = value as? String else { throw ProtocolError("\"\(key)\" must be a string") }
        return text
    }

    func string(_ key: String) throws(ProtocolError) -> String {
        guard let text = try optionalString(key) else { throw ProtocolError("missing \"\(key)\" (a string)") }
        return text
    }

    func optionalDouble(_ key: String) throws(ProtocolError) -> Double? {
        guard let value = fields[key], !(value is NSNull) else { return nil }
        // JSON's true and false come as NSNumbers too, made from a Bool (type "c"): not numbers here.
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c", number.doubleValue.isFinite else {
            throw ProtocolError("\"\(key)\" must be a number")
        }
        return number.doubleValue
    }

    func double(_ key: String) throws(ProtocolError) -> Double {
        guard let number = try optionalDouble(key) else { throw ProtocolError("missing \"\(key)\" (a number)") }
        return number
    }

    func optionalInt(_ key: String) throws(ProtocolError) -> Int? {
        guard let number = try optionalDouble(key) else { return nil }
        guard number == number.rounded(), abs(number) < 1e15 else { throw ProtocolError("\"\(key)\" must be a whole number") }
        return Int(number)
    }

    func int(_ key: String) throws(ProtocolError) -> Int {
        guard let number = try optionalInt(key) else { throw ProtocolError("missing \"\(key)\" (a whole number)") }
        return number
    }

    /// `fields` as one line of JSON, keys sorted (the same message is always the same line).
    static func line(_ fields: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
