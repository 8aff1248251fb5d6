"""What changes a Keras model before conversion: pruning, distillation, and the data they use."""
