console.log(`banner: ${typeof this}`);
