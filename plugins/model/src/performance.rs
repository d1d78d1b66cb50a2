//! Performance artifacts sized for a target load, and recommendations (PM-43): replicas needed
//! per configuration, then the cost/latency frontier per hardware type.

use catalog_core::error::ApiError;
use serde_json::Value;

use crate::metadata;

/// Parameters of `…/artifacts/performance`.
#[derive(Debug, Clone)]
pub struct PerformanceParams {
    /// Requests per second to size for (`None`: no sizing).
    pub target_rps: Option<i64>,
    /// Keep only recommended configurations.
    pub recommendations: bool,
    /// Property names read from each artifact.
    pub rps: String,
    /// Latency property.
    pub latency: String,
    /// Hardware count property.
    pub hardware_count: String,
    /// Hardware type property.
    pub hardware_type: String,
}

impl PerformanceParams {
    /// Reads the parameters.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, ApiError> {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
        };
        let name = |k: &str, default: &str| get(k).unwrap_or(default).to_string();
        let target_rps = get("targetRPS")
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::bad_field("targetRPS", format!("must be an integer, got \"{v}\""))
                })
            })
            .transpose()?;
        let recommendations = match get("recommendations") {
            None => false,
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some(v) => {
                return Err(ApiError::bad_field(
                    "recommendations",
                    format!("must be true or false, got \"{v}\""),
                ));
            }
        };
        Ok(Self {
            target_rps,
            recommendations,
            rps: name("rpsProperty", "requests_per_second"),
            latency: name("latencyProperty", "ttft_p90"),
            hardware_count: name("hardwareCountProperty", "hardware_count"),
            hardware_type: name("hardwareTypeProperty", "hardware_type"),
        })
    }

    fn sizing(&self) -> Option<i64> {
        match self.target_rps {
            Some(t) if t > 0 => Some(t),
            _ if self.recommendations => Some(1),
            _ => None,
        }
    }
}

fn prop<'a>(doc: &'a Value, name: &str) -> Option<&'a Value> {
    doc.get("customProperties")?.get(name)
}

fn num(doc: &Value, name: &str) -> Option<f64> {
    prop(doc, name).and_then(metadata::number)
}

/// Sizes the performance artifacts `docs` (file order) and, when asked, keeps the recommended
/// ones; the order of survivors is kept.
pub fn apply(mut docs: Vec<Value>, p: &PerformanceParams) -> Result<Vec<Value>, ApiError> {
    let Some(target) = p.sizing() else {
        return Ok(docs);
    };
    let names = [&p.rps, &p.latency, &p.hardware_count, &p.hardware_type];
    let missing: Vec<&str> = names
        .iter()
        .filter(|n| !docs.iter().any(|d| prop(d, n).is_some()))
        .map(|n| n.as_str())
        .collect();
    if !docs.is_empty() && !missing.is_empty() {
        return Err(ApiError::bad_request(format!(
            "properties not found in any performance artifact: {}",
            missing.join(", ")
        )));
    }
    let mut replicas = Vec::with_capacity(docs.len());
    for d in docs.iter_mut() {
        let rps = num(d, &p.rps).filter(|r| *r > 0.0).unwrap_or(1.0);
        let n = ((target as f64) / rps).ceil().max(1.0) as i64;
        replicas.push(n);
        if let Some(Value::Object(props)) = d.get_mut("customProperties") {
            props.insert("replicas".into(), metadata::int(n));
            props.insert(
                "total_requests_per_second".into(),
                metadata::double(n as f64 * rps),
            );
        }
    }
    if !p.recommendations {
        return Ok(docs);
    }
    let keep = recommended(&docs, &replicas, p);
    Ok(docs
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.contains(i))
        .map(|(_, d)| d)
        .collect())
}

/// Indices of the recommended artifacts.
fn recommended(docs: &[Value], replicas: &[i64], p: &PerformanceParams) -> Vec<usize> {
    let latency = |i: usize| num(&docs[i], &p.latency).filter(|l| *l > 0.0);
    let count = |i: usize| num(&docs[i], &p.hardware_count).unwrap_or(1.0);
    let hw = |i: usize| {
        prop(&docs[i], &p.hardware_type)
            .and_then(|v| v.get("string_value"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for i in 0..docs.len() {
        match groups.iter_mut().find(|(h, _)| *h == hw(i)) {
            Some((_, members)) => members.push(i),
            None => groups.push((hw(i), vec![i])),
        }
    }
    let mut keep = Vec::new();
    for (_, mut members) in groups {
        members.sort_by(|a, b| {
            let la = latency(*a).unwrap_or(f64::INFINITY);
            let lb = latency(*b).unwrap_or(f64::INFINITY);
            la.total_cmp(&lb).then(count(*a).total_cmp(&count(*b)))
        });
        let mut candidates = Vec::new();
        let mut best_cost = f64::INFINITY;
        for i in members {
            let cost = count(i) * replicas[i] as f64;
            if cost < best_cost {
                best_cost = cost;
                candidates.push(i);
            }
        }
        candidates.reverse();
        let mut last: Option<f64> = None;
        for i in candidates {
            let l = latency(i).unwrap_or(f64::INFINITY);
            let admit = match last {
                None => true,
                Some(prev) => {
                    let eps = if prev <= 100.0 { 0.10 } else { 0.05 };
                    l < prev * (1.0 - eps)
                }
            };
            if admit {
                keep.push(i);
                last = Some(l);
            }
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn art(hw: &str, count: i64, latency: f64, rps: f64) -> Value {
        json!({"customProperties": {
            "hardware_type": metadata::string(hw),
            "hardware_count": metadata::int(count),
            "ttft_p90": metadata::double(latency),
            "requests_per_second": metadata::double(rps),
        }})
    }

    fn params(target: Option<i64>, rec: bool) -> PerformanceParams {
        let mut pairs = vec![("recommendations".to_string(), rec.to_string())];
        if let Some(t) = target {
            pairs.push(("targetRPS".into(), t.to_string()));
        }
        PerformanceParams::parse(&pairs).unwrap()
    }

    #[test]
    fn replicas_round_up_and_total_follows() {
        let out = apply(vec![art("H100", 1, 50.0, 3.0)], &params(Some(10), false)).unwrap();
        let props = &out[0]["customProperties"];
        assert_eq!(props["replicas"]["int_value"], "4");
        assert_eq!(props["total_requests_per_second"]["double_value"], 12.0);
    }

    #[test]
    fn recommendations_keep_the_cost_latency_frontier() {
        // Same hardware: the fast expensive one and the cheap slow one survive; a config that is
        // both slower and dearer than another does not.
        let docs = vec![
            art("H100", 4, 40.0, 10.0),
            art("H100", 1, 200.0, 10.0),
            art("H100", 8, 300.0, 10.0),
        ];
        let out = apply(docs, &params(None, true)).unwrap();
        let lat: Vec<f64> = out
            .iter()
            .map(|d| {
                d["customProperties"]["ttft_p90"]["double_value"]
                    .as_f64()
                    .unwrap()
            })
            .collect();
        assert_eq!(lat, [40.0, 200.0]);
    }

    #[test]
    fn missing_property_names_are_reported() {
        let p = PerformanceParams {
            latency: "nope".into(),
            ..params(Some(1), false)
        };
        let err = apply(vec![art("H100", 1, 1.0, 1.0)], &p).unwrap_err();
        assert!(err.message.contains("nope"), "{}", err.message);
    }
}
