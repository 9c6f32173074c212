//! The token file: Go's CSV rules and kube-apiserver's columns.

use super::super::{
    csv::records,
    tokens::{Known, TokenFileError, Tokens},
};

fn user_of(tokens: &Tokens, token: &str) -> (String, String, Vec<String>) {
    match tokens.lookup(token) {
        Some(Known::Static(u)) => (u.name, u.uid, u.groups),
        other => panic!("{token}: {other:?}"),
    }
}

#[test]
fn records_follow_go_csv() {
    let text = "a,b,c\r\n\n\"q,1\",\"say \"\"hi\"\"\", x \n\"multi\nline\",2,3";
    let got = records(text).unwrap();
    assert_eq!(
        got,
        vec![
            (1, vec!["a".into(), "b".into(), "c".into()]),
            (3, vec!["q,1".into(), "say \"hi\"".into(), " x ".into()]),
            (4, vec!["multi\nline".into(), "2".into(), "3".into()]),
        ]
    );
    assert_eq!(
        records("ok,1,2\nab\"c,1,2").unwrap_err().to_string(),
        "parse error on line 2, column 3: bare \" in non-quoted-field"
    );
    assert_eq!(
        records("\"a\"b,1,2").unwrap_err().to_string(),
        "parse error on line 1, column 3: extraneous or missing \" in quoted-field"
    );
    assert_eq!(
        records("\"open,1\n2,3").unwrap_err().to_string(),
        "record on line 1; parse error on line 2, column 4: extraneous or missing \" in quoted-field"
    );
}

#[test]
fn token_files_load_like_kube_apiserver_reads_them() {
    let tokens = Tokens::default();
    let text = "t-alice,alice,u1,\"devs,ops\"\nt-bob,bob,u2\n,nobody,u3\nt-carol,carol,u4,\n";
    assert_eq!(tokens.load_csv(text, "tokens.csv").unwrap(), 3);
    assert_eq!(user_of(&tokens, "t-alice"), ("alice".into(), "u1".into(), vec!["devs".into(), "ops".into()]));
    assert_eq!(user_of(&tokens, "t-bob"), ("bob".into(), "u2".into(), vec![]));
    // Go's strings.Split("", ","): one empty group.
    assert_eq!(user_of(&tokens, "t-carol").2, vec![String::new()]);
    assert!(tokens.lookup("").is_none(), "an empty token is skipped");

    let err = tokens.load_csv("t-dave,dave\n", "tokens.csv").unwrap_err();
    assert!(matches!(err, TokenFileError::TooFewColumns { found: 2, line: 1, .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "token file 'tokens.csv' must have at least 3 columns (token, user name, user uid), found 2 (line 1)"
    );
    assert!(tokens.lookup("t-dave").is_none(), "a refused file adds nothing");
    let missing = tokens.load_file(std::path::Path::new("/nonexistent/tokens.csv")).unwrap_err();
    assert!(
        missing.to_string().starts_with("cannot read token file '/nonexistent/tokens.csv': "),
        "{missing}"
    );
}
