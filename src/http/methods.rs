//! 405 with `Allow` for a method a documented path does not take (actix would answer 404).

use actix_web::dev::ResourceDef;

/// Every documented path and the methods it takes, from the OpenAPI document.
pub struct KnownRoutes(Vec<(ResourceDef, Vec<String>)>);

impl KnownRoutes {
    pub fn from_spec(spec: &utoipa::openapi::OpenApi) -> Self {
        let routes = spec
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ];
                let allowed = methods
                    .iter()
                    .filter(|(_, present)| *present)
                    .map(|(name, _)| (*name).to_owned())
                    .collect();
                (ResourceDef::new(path.as_str()), allowed)
            })
            .collect();
        Self(routes)
    }

    /// The methods `path` takes, when it is a documented path.
    pub fn allowed(&self, path: &str) -> Option<&[String]> {
        self.0
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, methods)| methods.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documented_path_names_its_methods() {
        let routes = KnownRoutes::from_spec(&crate::openapi::spec());
        assert_eq!(
            routes.allowed("/api/v1/milestones/0b7c0c8e-1c8d-4a53-9d0c-0f1d3f0e6f3a"),
            Some(["GET".to_owned(), "PATCH".to_owned(), "DELETE".to_owned()].as_slice())
        );
        assert_eq!(routes.allowed("/api/v1/nothing-here"), None);
    }
}
