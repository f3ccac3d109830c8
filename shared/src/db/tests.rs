use super::*;

#[test]
fn a_bad_url_error_does_not_repeat_the_password() {
    let err = pg_config(&SecretString::from("postgres://u:hunter2@h:notaport/db")).unwrap_err();
    assert!(!err.to_string().contains("hunter2"));
}

#[test]
fn sslmode_require_is_read_from_the_url() {
    let config = pg_config(&SecretString::from(
        "postgres://u@ep-x.neon.tech/db?sslmode=require&channel_binding=require",
    ))
    .unwrap();
    assert_eq!(config.get_ssl_mode(), SslMode::Require);
    assert_eq!(config.get_application_name(), Some("folio"));
}

#[test]
fn the_typed_parameters_pair_each_value_with_its_declared_type() {
    const SQL: Sql = Sql::new("select $1::int8, $2::text", &[Type::INT8, Type::TEXT]);
    let id = 7_i64;
    let name = "x";
    let params: [&(dyn ToSql + Sync); 2] = [&id, &name];
    let pairs = typed(&SQL, &params);
    assert_eq!(pairs.len(), 2);
    assert_eq!(pairs[1].1, Type::TEXT);
}
