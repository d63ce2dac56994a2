use crate::helpers::{empty_database, scratch_dir, start_cluster, with_database};
use diesel::Connection;
use diesel::RunQueryDsl;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::MigrationHarness;
use policytrack::db::{self, MIGRATIONS};
use std::time::Instant;

type SyncConn = AsyncConnectionWrapper<AsyncPgConnection>;

fn table_count(conn: &mut SyncConn) -> i64 {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' \
           AND table_name <> '__diesel_schema_migrations')",
    ))
    .get_result(conn)
    .expect("count tables")
}

#[test]
fn migrations_run_up_down_and_up_again() {
    let url = std::thread::spawn(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(empty_database())
    })
    .join()
    .expect("create db");
    let mut conn = <SyncConn as Connection>::establish(&url).expect("connect");

    conn.run_pending_migrations(MIGRATIONS).expect("up");
    assert_eq!(table_count(&mut conn), 23);
    conn.revert_all_migrations(MIGRATIONS).expect("down");
    assert_eq!(table_count(&mut conn), 0);
    conn.run_pending_migrations(MIGRATIONS).expect("up again");
    assert_eq!(table_count(&mut conn), 23);
    assert!(!conn.has_pending_migration(MIGRATIONS).expect("pending"));
}

#[test]
fn data_survives_a_restart_of_the_embedded_cluster() {
    let dir = scratch_dir("restart");
    let mut cluster = start_cluster(&dir);
    db::create_database_if_missing(&cluster.url("postgres"), "policytrack").expect("db");
    let url = cluster.url("policytrack");
    db::run_migrations_blocking(&url).expect("migrate");
    let mut conn = <SyncConn as Connection>::establish(&url).expect("connect");
    diesel::sql_query(
        "INSERT INTO agencies (code, name, country) VALUES ('XX-KEEP', 'Kept', 'XX')",
    )
    .execute(&mut conn)
    .expect("insert");
    drop(conn);

    cluster.stop().expect("stop");
    drop(cluster);
    let started = Instant::now();
    let cluster = start_cluster(&dir);
    let restart = started.elapsed();

    let mut conn = <SyncConn as Connection>::establish(&with_database(
        &cluster.url("postgres"),
        "policytrack",
    ))
    .expect("reconnect");
    let kept: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM agencies WHERE code = 'XX-KEEP')",
    ))
    .get_result(&mut conn)
    .expect("count");
    assert_eq!(kept, 1);
    assert!(cluster.owns_server());
    println!(
        "embedded cluster restart to ready: {} ms",
        restart.as_millis()
    );
}

#[test]
fn the_cluster_listens_on_a_private_unix_socket_only() {
    let dir = scratch_dir("socket");
    let cluster = start_cluster(&dir);
    let url = cluster.url("postgres");
    assert!(url.contains("host=/"), "{url}");
    let socket_dir = &cluster.layout().socket_dir;
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(socket_dir)
            .expect("socket dir")
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o700);
    let mut conn = <SyncConn as Connection>::establish(&url).expect("connect");
    let listen: String = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
        "current_setting('listen_addresses')",
    ))
    .get_result(&mut conn)
    .expect("setting");
    assert_eq!(listen, "");
}

#[test]
fn a_second_start_on_running_data_joins_the_running_server() {
    let dir = scratch_dir("join");
    let owner = start_cluster(&dir);
    let joiner = start_cluster(&dir);
    assert!(owner.owns_server());
    assert!(!joiner.owns_server());
    assert_eq!(owner.running_server_pid(), joiner.running_server_pid());
    drop(joiner);
    assert!(
        owner.running_server_pid().is_some(),
        "joiner must not stop the owner's server"
    );
}

#[test]
fn a_data_dir_the_cluster_account_cannot_enter_still_gets_a_working_cluster() {
    use std::os::unix::fs::PermissionsExt;
    let closed = scratch_dir("closed");
    let data = closed.join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let mut cluster = start_cluster(&data);
    let mut conn = <SyncConn as Connection>::establish(&cluster.url("postgres")).expect("connect");
    let one: i32 = diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1"))
        .get_result(&mut conn)
        .expect("select");
    assert_eq!(one, 1);
    let layout = cluster.layout().clone();
    // As root the cluster runs as `postgres`, which cannot enter `closed`: the cluster moves
    // out, and every directory above its own must let that account through.
    // SAFETY: geteuid has no preconditions and cannot fail.
    let as_root = unsafe { libc::geteuid() } == 0;
    assert_eq!(layout.relocated, as_root);
    if layout.relocated {
        for parent in layout.root.ancestors().skip(1) {
            let mode = std::fs::metadata(parent)
                .expect("stat")
                .permissions()
                .mode();
            assert_ne!(
                mode & 0o001,
                0,
                "{} is closed to the cluster",
                parent.display()
            );
        }
    }
    drop(conn);
    cluster.stop().expect("stop");
    if layout.relocated {
        std::fs::remove_dir_all(&layout.root).expect("remove the relocated cluster");
    }
}
