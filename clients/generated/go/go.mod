module policytrack.example/smoke

go 1.19

require (
	github.com/GIT_USER_ID/GIT_REPO_ID v0.0.0
	gopkg.in/validator.v2 v2.0.1
)

replace github.com/GIT_USER_ID/GIT_REPO_ID => ../../../target/api-check/generated/go

replace gopkg.in/validator.v2 => ../../../target/api-check/go-deps/validator.v2
