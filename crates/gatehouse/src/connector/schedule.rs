//! Sync schedules as admins write them: `"15m"`, `"1h"`, `"1h30m"`, `"90s"`, `"1d"`.

/// Seconds in a schedule such as `"15m"` or `"1h30m"`, or why it cannot be read.
pub fn parse_schedule(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("schedule is empty: use e.g. \"15m\", \"1h\" or \"1d\"".into());
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => {
                return Err(format!(
                    "schedule {text:?} has an unknown unit {c:?}: use s, m, h or d"
                ));
            }
        };
        let n: u64 = number
            .parse()
            .map_err(|_| format!("schedule {text:?} needs a number before {c:?}"))?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("schedule {text:?} is too long"))?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(format!(
            "schedule {text:?} needs a unit after {number}: use s, m, h or d"
        ));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::parse_schedule;

    #[test]
    fn accepts_admin_spellings() {
        assert_eq!(parse_schedule("15m"), Ok(900));
        assert_eq!(parse_schedule("1h"), Ok(3600));
        assert_eq!(parse_schedule("1h30m"), Ok(5400));
        assert_eq!(parse_schedule(" 90s "), Ok(90));
        assert_eq!(parse_schedule("1d"), Ok(86_400));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for bad in ["", "15", "m", "15x", "1h30", "-5m", "99999999999999999999d"] {
            assert!(parse_schedule(bad).is_err(), "{bad:?}");
        }
    }
}
