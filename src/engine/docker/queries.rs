//! Questions across projects and about images, for `ls` and `images`.

use super::{observed, DockerEngine};
use crate::engine::{ImageInfo, Result};
use crate::labels;
use crate::engine::observed::ObservedContainer;

impl DockerEngine {
    /// Every container any compose project made, running or not.
    pub async fn compose_containers(&self) -> Result<Vec<ObservedContainer>> {
        let summaries = self.labelled_containers(vec![labels::PROJECT.to_string()]).await?;
        Ok(summaries.into_iter().map(observed).collect())
    }

    /// The image as the engine holds it; `None` when it has no such image.
    pub async fn image_info(&self, reference: &str) -> Result<Option<ImageInfo>> {
        match self.docker.inspect_image(reference).await {
            Ok(i) => Ok(Some(ImageInfo {
                id: i.id.unwrap_or_default(),
                size: i.size.unwrap_or(0),
                created: i.created.map(|c| c.to_string()).unwrap_or_default(),
                platform: format!("{}/{}", i.os.unwrap_or_default(), i.architecture.unwrap_or_default()),
            })),
            Err(e) => {
                let e = crate::engine::EngineError::from(e);
                if e.is_not_found() {
                    Ok(None)
                } else {
                    Err(e)
                }
            }
        }
    }
}
