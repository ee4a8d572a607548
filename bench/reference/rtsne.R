# Rtsne reference (Debian's r-cran-rtsne: van der Maaten's bhtsne C++ code) on the same codes.
# Reads the codes .npy (float32 or float64, C order, 2-D) itself, writes the map as a plain
# float32 .npy for `aelab knn`, prints one JSON line with the seconds.
#   Rscript rtsne.R CODES.npy OUT.npy THREADS
Sys.unsetenv(c("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 3) stop("usage: Rscript rtsne.R CODES.npy OUT.npy THREADS")
threads <- as.integer(args[3])
suppressMessages(library(Rtsne))

read_npy <- function(path) {
  con <- file(path, "rb"); on.exit(close(con))
  magic <- readBin(con, "raw", 6)
  if (!identical(magic, as.raw(c(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59)))) stop(path, ": not .npy")
  major <- as.integer(readBin(con, "raw", 1)); invisible(readBin(con, "raw", 1))
  hlen <- if (major == 1) readBin(con, "integer", 1, size = 2, signed = FALSE, endian = "little")
          else readBin(con, "integer", 1, size = 4, endian = "little")
  header <- rawToChar(readBin(con, "raw", hlen))
  if (grepl("True", header)) stop(path, ": Fortran order not supported here")
  size <- if (grepl("<f8", header)) 8 else if (grepl("<f4", header)) 4 else stop(path, ": dtype")
  dims <- as.integer(strsplit(sub(".*\\((.*)\\).*", "\\1", header), ",\\s*")[[1]])
  v <- readBin(con, "double", prod(dims), size = size, endian = "little")
  matrix(v, nrow = dims[1], ncol = dims[2], byrow = TRUE)
}

write_npy <- function(path, m) {
  dict <- sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", nrow(m), ncol(m))
  pad <- (64 - (10 + nchar(dict) + 1) %% 64) %% 64
  dict <- paste0(dict, strrep(" ", pad), "\n")
  con <- file(path, "wb"); on.exit(close(con))
  writeBin(as.raw(c(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0)), con)
  writeBin(as.integer(nchar(dict)), con, size = 2, endian = "little")
  writeBin(charToRaw(dict), con)
  writeBin(as.vector(t(m)), con, size = 4, endian = "little")
}

x <- read_npy(args[1])
t0 <- proc.time()[["elapsed"]]
# Same settings as ours and scikit-learn's: perplexity 30, theta 0.5, 1000 iterations, no PCA
# step (the codes are already low-dimensional), exaggeration 12 for 250 iterations.
r <- Rtsne(x, dims = 2, perplexity = 30, theta = 0.5, max_iter = 1000, pca = FALSE,
           check_duplicates = FALSE, exaggeration_factor = 12, stop_lying_iter = 250,
           num_threads = threads, verbose = FALSE)
secs <- proc.time()[["elapsed"]] - t0
write_npy(args[2], r$Y)
cat(sprintf(paste0('{"figure": "map2d", "method": "rtsne", "tool": "Rtsne %s (bhtsne)", ',
                   '"n": %d, "d": %d, "seconds": %.4f, "threads": %d, "out": "%s", ',
                   '"openblas_coretype_env": null}\n'),
            as.character(packageVersion("Rtsne")), nrow(x), ncol(x), secs, threads, args[2]))
