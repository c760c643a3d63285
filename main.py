from source_fauna.run import run

if __name__ == "__main__":
    run()
