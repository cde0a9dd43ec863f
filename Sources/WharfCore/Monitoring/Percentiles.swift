/// Percentiles of a sample by the nearest-rank method (no interpolation): the value reported
/// was actually observed.
public enum Percentiles {
    /// `quantiles` in 0...1; an empty sample gives `nil` for each.
    public static func of(_ samples: [Double], _ quantiles: [Double]) -> [Double?] {
        guard !samples.isEmpty else { return quantiles.map { _ in nil } }
        let sorted = samples.sorted()
        return quantiles.map { q in
            let rank = Int(saturating: (min(max(q, 0), 1) * Double(sorted.count)).rounded(.up))
            return sorted[max(0, min(sorted.count - 1, rank - 1))]
        }
    }
}
