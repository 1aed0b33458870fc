public enum HelsebroConfigPlaceholder {}
