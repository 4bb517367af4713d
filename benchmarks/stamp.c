/* Stamper for benchmarks/cue_timing.py: the sound card's stand-in.
   `stamp LOG`: ALSA's file plugin pipes one stream into stdin (one process per stream).
   `stamp LOG FIFO`: one process for the whole run, reading every stream the file plugin
   writes into the named pipe FIFO, one after the other (no process start per stream).
   Appends "mono_open mono_first_data wall_first_data bytes" to LOG at each stream's end. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <string.h>
static double ts(clockid_t c){struct timespec t;clock_gettime(c,&t);return t.tv_sec+t.tv_nsec/1e9;}
static void one(int in,const char*log,double m0){
  static char buf[65536]; long n=0; ssize_t r;
  double m1=0,w1=0;
  r=read(in,buf,sizeof buf);
  m1=ts(CLOCK_MONOTONIC); w1=ts(CLOCK_REALTIME);
  while(r>0){n+=r;r=read(in,buf,sizeof buf);}
  if(n==0)return;
  int fd=open(log,O_WRONLY|O_APPEND|O_CREAT,0644);
  char line[256];int k=snprintf(line,sizeof line,"%.6f %.6f %.6f %ld\n",m0,m1,w1,n);
  if(fd>=0){if(write(fd,line,k)<0){} close(fd);}
}
int main(int argc,char**argv){
  if(argc<2)return 2;
  if(argc<3){one(0,argv[1],ts(CLOCK_MONOTONIC));return 0;}
  for(;;){
    int in=open(argv[2],O_RDONLY);  /* blocks until the next stream opens the pipe */
    if(in<0)return 1;
    one(in,argv[1],ts(CLOCK_MONOTONIC));
    close(in);
  }
}
