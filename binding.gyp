{
  "targets": [
    {
      "target_name": "tensornode",
      "sources": [
        "native/addon/addon.cpp",
        "native/addon/glue_core.cpp",
        "native/core/thread_pool.cpp",
        "native/cpu/gemm.cpp",
        "native/cpu/dense.cpp",
        "native/cpu/elementwise.cpp",
        "native/cpu/loss.cpp",
        "native/cpu/optim.cpp",
        "native/addon/glue_conv.cpp",
        "native/cpu/conv.cpp",
        "native/cpu/conv_fused.cpp",
        "native/cpu/pool.cpp",
        "native/cpu/batchnorm.cpp",
        "native/cpu/resample.cpp",
        "native/addon/glue_rnn.cpp",
        "native/cpu/rnn.cpp",
        "native/cpu/embedding.cpp",
        "native/addon/cuda_loader.cpp",
        "native/addon/glue_dispatch.cpp",
        "native/core/op_registry.cpp",
        "native/cpu/ops_elementwise.cpp",
        "native/cpu/ops_reduce.cpp",
        "native/cpu/ops_shape.cpp",
        "native/cpu/ops_linalg.cpp",
        "native/cpu/ops_nn.cpp",
        "native/cpu/ops_rnn.cpp",
        "native/cpu/ops_conv.cpp",
        "native/cpu/attention.cpp",
        "native/cpu/layernorm.cpp",
        "native/cpu/ops_attention.cpp"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_CPP_EXCEPTIONS",
        "NODE_ADDON_API_CPP_EXCEPTIONS_ALL",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-O2", "-std=gnu++17"],
      "cflags": ["-O3", "-fexceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-frtti", "-fno-math-errno", "-Wall", "-Wno-unused-parameter"],
      "ldflags": ["-pthread", "-s"],
      "libraries": ["-ldl"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_OPTIMIZATION_LEVEL": "3"
          }
        }]
      ]
    }
  ]
}
