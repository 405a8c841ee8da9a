/// Small bar charts as inline SVG, so the report is one self-contained file that opens
/// offline in any browser (no script, no fonts, no network).
enum SVGChart {
    struct Series {
        var name: String
        var color: String
        var values: [Int]
    }

    static let palette = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#718096", "#b7791f", "#319795"]

    /// Bars per category, the series stacked (`stacked`) or side by side.
    static func bars(id: String, title: String, categories: [String], series: [Series], stacked: Bool,
                     width: Int = 860, height: Int = 260) -> String {
        let left = 48, right = 16, top = 28, bottom = 56
        let plotW = width - left - right, plotH = height - top - bottom
        let totals = categories.indices.map { i in
            stacked ? series.reduce(0) { $0 + ($1.values.indices.contains(i) ? $1.values[i] : 0) }
                : series.map { $0.values.indices.contains(i) ? $0.values[i] : 0 }.max() ?? 0
        }
        let maxValue = max(1, totals.max() ?? 0)
        let slot = categories.isEmpty ? Double(plotW) : Double(plotW) / Double(categories.count)
        var svg = "<svg id=\"\(HTML.escape(id))\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        svg += "<title>\(HTML.escape(title))</title>"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>"
        // Axis and gridlines at 0, half and the maximum.
        for fraction in [0.0, 0.5, 1.0] {
            let y = Double(top) + Double(plotH) * (1 - fraction)
            svg += "<line x1=\"\(left)\" y1=\"\(f(y))\" x2=\"\(width - right)\" y2=\"\(f(y))\" stroke=\"#e2e8f0\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(f(y + 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#4a5568\">\(Int((Double(maxValue) * fraction).rounded()))</text>"
        }
        if categories.isEmpty {
            svg += "<text x=\"\(width / 2)\" y=\"\(top + plotH / 2)\" text-anchor=\"middle\" font-size=\"13\" fill=\"#718096\">no data</text>"
        }
        let labelEvery = max(1, categories.count / 12)
        for (i, category) in categories.enumerated() {
            let x0 = Double(left) + slot * Double(i)
            let barW = max(1.0, slot * 0.7)
            var yBase = Double(top + plotH)
            for (si, s) in series.enumerated() {
                let v = s.values.indices.contains(i) ? s.values[i] : 0
                guard v > 0 else { continue }
                let h = Double(plotH) * Double(v) / Double(maxValue)
                let x = stacked ? x0 + slot * 0.15 : x0 + slot * 0.15 + barW / Double(series.count) * Double(si)
                let w = stacked ? barW : barW / Double(series.count)
                let y = stacked ? yBase - h : Double(top + plotH) - h
                svg += "<rect class=\"bar\" data-series=\"\(HTML.escape(s.name))\" data-category=\"\(HTML.escape(category))\" data-value=\"\(v)\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"\(s.color)\"><title>\(HTML.escape(category)) · \(HTML.escape(s.name)): \(v)</title></rect>"
                if stacked { yBase -= h }
            }
            if i % labelEvery == 0 {
                let lx = x0 + slot / 2
                svg += "<text x=\"\(f(lx))\" y=\"\(top + plotH + 14)\" text-anchor=\"middle\" font-size=\"10\" fill=\"#4a5568\">\(HTML.escape(String(category.suffix(5))))</text>"
            }
        }
        // Legend.
        var lx = Double(left)
        for s in series {
            svg += "<rect x=\"\(f(lx))\" y=\"\(height - 22)\" width=\"12\" height=\"12\" fill=\"\(s.color)\"/>"
            svg += "<text x=\"\(f(lx + 16))\" y=\"\(height - 12)\" font-size=\"12\" fill=\"#2d3748\">\(HTML.escape(s.name))</text>"
            lx += 28 + Double(s.name.count) * 7
        }
        return svg + "</svg>"
    }

    private static func f(_ v: Double) -> String {
        String(Double(Int((v * 10).rounded())) / 10)
    }
}

enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
