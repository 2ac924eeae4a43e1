-- Behaviour clusters (behaviour_clusters.h): each fitted model, stored as
-- its API message (crm.segmentation.v1.BehaviourClusterModel, serialized),
-- and each score's cluster number in that model (0: none).
CREATE TABLE IF NOT EXISTS cluster_models (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  fit_time DATETIME(6) NOT NULL,
  model MEDIUMBLOB NOT NULL,
  PRIMARY KEY (id),
  KEY cluster_models_by_fit_time (fit_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE customer_scores
  ADD COLUMN IF NOT EXISTS cluster INT NOT NULL DEFAULT 0;
